package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelOption;
import io.tether.core.backoff.Backoff;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.internal.ServerConnection;
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
                .config(ServerConfig.builder().port(0).workerNum(1).sessionResumeWindow(window).build())
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
        ServerConnection sc = (ServerConnection) s.connections().iterator().next();
        sc.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        sc.channel().close();
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
}
