package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.tether.core.backoff.Backoff;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TetherClient with resume on, against the server's session layer: blips lose and repeat nothing. */
class ClientResumeTest {
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<String> serverReceived = new CopyOnWriteArrayList<>();
    private final List<String> sessionEvents = new CopyOnWriteArrayList<>();
    private final List<Boolean> sessionReady = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private TetherServer server(Duration window) {
        TetherServer s = TetherServer.builder()
                .config(ServerConfig.builder().port(0).workerNum(1).openSessions(true).sessionResumeWindow(window).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        serverReceived.add(m.text());
                    }
                }).build();
        s.sessions().addListener(new PresenceListener() {
            @Override
            public void onOnline(Session session, Connection c) {
                sessionEvents.add("online " + session.id());
            }

            @Override
            public void onResumed(Session session, Connection c) {
                sessionEvents.add("resumed " + session.id());
            }

            @Override
            public void onOffline(Session session, SessionEnd end) {
                sessionEvents.add("offline " + session.id() + " " + end.reason());
            }
        });
        cleanup.add(s.start());
        return s;
    }

    private TetherClient client(TetherServer s, Events events, Duration reconnect) {
        ClientConfig config = ClientConfig.builder().endpoint("127.0.0.1:" + s.localAddress().getPort()).resume(true)
                .backoff(Backoff.builder().initial(reconnect).max(reconnect).jitter(Backoff.Jitter.NONE).build())
                .build();
        TetherClient c = TetherClient.builder().config(config).handler(events).listener(new ClientListener() {
            @Override
            public void onStateChange(StateChange change) {
                events.onStateChange(change);
            }

            @Override
            public void onSessionReady(boolean resumed) {
                sessionReady.add(resumed);
            }
        }).build();
        cleanup.add(c);
        return c.start();
    }

    /** Both sides see the connection die abruptly: the server resets its socket without a CLOSE frame. */
    private static void blip(TetherServer s) {
        reset(s.connections().iterator().next());
    }

    /**
     * Resets the server's socket of {@code conn} (SO_LINGER 0, then close): no public API aborts a
     * connection, so the test reaches the server's internal channel by reflection (internal types
     * are not exported to this module at compile time).
     */
    static void reset(Connection conn) {
        try {
            Channel ch = (Channel) conn.getClass().getMethod("channel").invoke(conn);
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot reach the server's channel of " + conn, e);
        }
    }

    @Test
    void aBlipLosesAndRepeatsNothingInEitherDirection() throws Exception {
        TetherServer s = server(Duration.ofSeconds(10));
        Events events = new Events();
        TetherClient c = client(s, events, Duration.ofMillis(300));
        await().until(() -> c.state() == ClientState.CONNECTED && s.sessions().count() == 1);
        Session session = s.sessions().all().iterator().next();

        for (int i = 1; i <= 5; i++) {
            c.send("c" + i).get(); // completes on the server's ACK
        }
        for (int i = 1; i <= 3; i++) {
            session.send("s" + i);
        }
        await().until(() -> events.messages.size() == 3);

        blip(s);
        await().until(() -> session.state() == Session.State.DETACHED);
        session.send("s4"); // sent while detached: replayed after the resume
        session.send("s5");
        List<CompletableFuture<Void>> later = List.of(c.send("c6"), c.send("c7")); // queued while reconnecting

        await().until(() -> session.state() == Session.State.ATTACHED && events.messages.size() == 5);
        CompletableFuture.allOf(later.toArray(CompletableFuture[]::new)).get();
        await().until(() -> serverReceived.size() == 7);
        assertThat(serverReceived).containsExactly("c1", "c2", "c3", "c4", "c5", "c6", "c7");
        assertThat(events.messages).containsExactly("s1", "s2", "s3", "s4", "s5");
        assertThat(session.resumes()).isEqualTo(1);
        assertThat(s.sessions().count()).isEqualTo(1);
        assertThat(sessionReady).containsExactly(false, true);
        assertThat(sessionEvents).containsExactly("online " + session.id(), "resumed " + session.id());
    }

    @Test
    void afterTheWindowTheClientStartsANewSession() throws Exception {
        TetherServer s = server(Duration.ofMillis(200));
        Events events = new Events();
        TetherClient c = client(s, events, Duration.ofMillis(1000)); // comes back after the window
        await().until(() -> c.state() == ClientState.CONNECTED && s.sessions().count() == 1);
        Session first = s.sessions().all().iterator().next();
        c.send("before").get();

        blip(s);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> sessionReady.size() == 2);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            events.list().forEach(System.out::println);
            System.out.println(sessionEvents + " " + sessionReady);
            throw e;
        }
        assertThat(sessionReady).containsExactly(false, false); // resume refused (1104): a new session
        assertThat(sessionEvents).contains("offline " + first.id() + " expired");
        assertThat(s.sessions().count()).isEqualTo(1);
        Session second = s.sessions().all().iterator().next();
        assertThat(second.id()).isNotEqualTo(first.id());
        c.send("after").get();
        assertThat(serverReceived).containsExactly("before", "after");
    }

    /**
     * 50 clients on one shared event loop group stream numbered messages both ways for 10 s while the
     * server resets a random connection every 100 ms: every message arrives exactly once, in order.
     */
    @Test
    void manyClientsStreamThroughRepeatedBlips() throws Exception {
        int n = 50;
        TetherServer s = TetherServer.builder()
                .config(ServerConfig.builder().port(0).workerNum(2).openSessions(true).sessionResumeWindow(Duration.ofSeconds(10)).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        Session session = serverSessions.get().of(conn);
                        java.util.concurrent.atomic.AtomicLong in = counter(session, "in");
                        long got = Long.parseLong(m.text());
                        if (got != in.get() + 1) {
                            violations.add(session + ": got " + got + " after " + in.get());
                        }
                        in.set(got);
                    }
                }).build();
        serverSessions.set(s.sessions());
        cleanup.add(s.start());
        io.netty.channel.EventLoopGroup group = TetherClient.newEventLoopGroup(2);
        cleanup.add(() -> group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly());
        List<TetherClient> clients = new ArrayList<>();
        List<java.util.concurrent.atomic.AtomicLong> lastFromServer = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.util.concurrent.atomic.AtomicLong last = new java.util.concurrent.atomic.AtomicLong();
            lastFromServer.add(last);
            int id = i;
            TetherClient c = TetherClient.builder()
                    .config(ClientConfig.builder().endpoint("127.0.0.1:" + s.localAddress().getPort()).resume(true)
                            .backoff(Backoff.builder().initial(Duration.ofMillis(50)).max(Duration.ofMillis(200)).build())
                            .build())
                    .eventLoopGroup(group)
                    .handler((client, message) -> {
                        long got = Long.parseLong(new String(message, java.nio.charset.StandardCharsets.UTF_8));
                        if (got != last.get() + 1) {
                            violations.add("client " + id + ": got " + got + " after " + last.get());
                        }
                        last.set(got);
                    })
                    .build();
            cleanup.add(c);
            clients.add(c.start());
        }
        await().until(() -> s.sessions().count() == n);

        java.util.Random rnd = new java.util.Random(7);
        long[] sent = new long[n];
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int blips = 0;
        while (System.nanoTime() - end < 0) {
            for (int i = 0; i < n; i++) {
                clients.get(i).send(Long.toString(++sent[i]));
            }
            for (Session session : s.sessions().all()) {
                java.util.concurrent.atomic.AtomicLong out = counter(session, "out");
                synchronized (out) {
                    if (session.send(Long.toString(out.get() + 1))) {
                        out.incrementAndGet();
                    }
                }
            }
            if (rnd.nextInt(10) == 0) {
                List<Connection> conns = new ArrayList<>(s.connections());
                if (!conns.isEmpty()) {
                    reset(conns.get(rnd.nextInt(conns.size())));
                    blips++;
                }
            }
            await().pollDelay(Duration.ofMillis(10)).until(() -> true);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < n; i++) {
                if (clients.get(i).state() != ClientState.CONNECTED) {
                    return false;
                }
            }
            for (Session session : s.sessions().all()) {
                if (session.state() != Session.State.ATTACHED) {
                    return false;
                }
            }
            long inTotal = s.sessions().all().stream().mapToLong(x -> counter(x, "in").get()).sum();
            long outTotal = s.sessions().all().stream().mapToLong(x -> counter(x, "out").get()).sum();
            return inTotal == java.util.Arrays.stream(sent).sum()
                    && outTotal == lastFromServer.stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
        });
        assertThat(violations).isEmpty();
        assertThat(s.sessions().count()).isEqualTo(n);
        int resumes = s.sessions().all().stream().mapToInt(Session::resumes).sum();
        assertThat(resumes).isGreaterThanOrEqualTo(blips / 2);
        System.out.printf("client resume: %d clients, %d blips, %d resumes, %d messages each way%n", n, blips, resumes,
                java.util.Arrays.stream(sent).sum());
    }

    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicReference<io.tether.server.session.Sessions> serverSessions =
            new java.util.concurrent.atomic.AtomicReference<>();

    private static java.util.concurrent.atomic.AtomicLong counter(Session s, String key) {
        return (java.util.concurrent.atomic.AtomicLong) s.attributes().computeIfAbsent(key,
                k -> new java.util.concurrent.atomic.AtomicLong());
    }
}
