package io.tether.client;

import io.tether.core.transport.SocketOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against in-process Tether servers on real sockets. */
class ClientBehaviourTest {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** Echoes every message and records closes. */
    static final class Echo implements ServerHandler {
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<CloseInfo> closes = new CopyOnWriteArrayList<>();

        @Override
        public void onReceive(Connection conn, Message message) {
            received.add(message.text());
            conn.send("echo " + message.text());
        }

        @Override
        public void onClose(Connection conn, CloseInfo info) {
            closes.add(info);
        }
    }

    private TetherServer server(ServerConfig.Builder config, ServerHandler handler, HealthCheck... checks) {
        TetherServer.Builder b = TetherServer.builder().config(config.port(0).workerNum(1).build()).handler(handler);
        for (HealthCheck c : checks) {
            b.healthCheck(c);
        }
        TetherServer s = b.build().start();
        cleanup.add(s);
        return s;
    }

    private TetherClient client(ClientConfig.Builder config, Events events) {
        TetherClient c = TetherClient.builder().config(config.build()).listener(events).handler(events).build();
        cleanup.add(c);
        return c.start();
    }

    private static String ep(TetherServer s) {
        return "127.0.0.1:" + s.localAddress().getPort();
    }

    @Test
    void connectsEchoesAndReportsEveryTransition() throws Exception {
        Echo echo = new Echo();
        TetherServer s = server(ServerConfig.builder(), echo);
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        c.send("hi").get();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.messages.contains("echo hi"));
        c.close();
        assertThat(c.state()).isEqualTo(ClientState.CLOSED);
        assertThat(events.list()).extracting(StateChange::from, StateChange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(ClientState.DISCONNECTED, ClientState.CONNECTING),
                org.assertj.core.groups.Tuple.tuple(ClientState.CONNECTING, ClientState.CONNECTED),
                org.assertj.core.groups.Tuple.tuple(ClientState.CONNECTED, ClientState.CLOSED));
        assertThat(events.list().get(2).closeInfo().reason()).isEqualTo(CloseReason.CLOSED_BY_CLIENT);
        await().atMost(Duration.ofSeconds(5)).until(() -> !echo.closes.isEmpty());
        assertThat(echo.closes.get(0).detail()).as("the server is told why").contains("closed by client");
        assertThatThrownBy(() -> c.send("late").get()).hasCauseInstanceOf(ClientClosedException.class);
    }

    @Test
    void heartbeatFollowsTheServersIdleTimeoutAndMinimum() {
        TetherServer s = server(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(4)), new Echo());
        Events e1 = new Events();
        TetherClient c1 = client(ClientConfig.builder().endpoint(ep(s)), e1); // default 15 s heartbeat
        await().atMost(Duration.ofSeconds(5)).until(() -> c1.state() == ClientState.CONNECTED);
        assertThat(c1.heartbeatInterval()).as("at most half the server's 4 s idle timeout").isEqualTo(Duration.ofSeconds(2));

        Events e2 = new Events();
        TetherClient c2 = client(ClientConfig.builder().endpoint(ep(s)).heartbeatInterval(Duration.ofMillis(100)), e2);
        await().atMost(Duration.ofSeconds(5)).until(() -> c2.state() == ClientState.CONNECTED);
        assertThat(c2.heartbeatInterval()).as("never below the server's 500 ms minimum (+10% margin)")
                .isEqualTo(Duration.ofMillis(550));
    }

    @Test
    void defaultClientKeepsAShortIdleServerHappyWithoutTooManyPings() {
        // Server closes connections silent for 1 s and refuses pings closer than 500 ms.
        Echo echo = new Echo();
        TetherServer s = server(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(1)), echo);
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        // Four idle timeouts long, the connection must stay up on pings alone, with no strike.
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> c.state() == ClientState.CONNECTED && echo.closes.isEmpty());
        assertThat(events.pingChanges).as("no NOTICE / CLOSE too many pings").isEmpty();
        assertThat(events.list()).extracting(StateChange::to).containsExactly(ClientState.CONNECTING, ClientState.CONNECTED);
    }

    @Test
    void answersServerPings() {
        Echo echo = new Echo();
        TetherServer s = server(ServerConfig.builder().serverPingInterval(Duration.ofMillis(200))
                .serverPingTimeout(Duration.ofMillis(300)), echo);
        Events events = new Events();
        // No client pings at all: only PONGs to the server's PINGs keep the connection.
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)).heartbeatInterval(Duration.ZERO), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> c.state() == ClientState.CONNECTED && echo.closes.isEmpty());
    }

    @Test
    void unhealthyPongFailsOverToTheNextEndpoint() {
        AtomicBoolean healthy = new AtomicBoolean(true);
        HealthCheck db = new HealthCheck() {
            @Override
            public String name() {
                return "db";
            }

            @Override
            public HealthResult check(Duration timeout) {
                return healthy.get() ? HealthResult.ok() : HealthResult.failed("down");
            }
        };
        Echo first = new Echo();
        TetherServer a = server(ServerConfig.builder().healthCacheTime(Duration.ZERO), first, db);
        TetherServer b = server(ServerConfig.builder(), new Echo());
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(a)).endpoint(ep(b))
                .heartbeatInterval(Duration.ofMillis(600)).pingTimeout(Duration.ofSeconds(2))
                .backoff(Backoff.builder().initial(Duration.ofMillis(50)).build()), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        assertThat(c.connectedEndpoint().getPort()).isEqualTo(a.localAddress().getPort());
        healthy.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.connectedEndpoint() != null
                && c.connectedEndpoint().getPort() == b.localAddress().getPort());
        StateChange left = events.list().stream().filter(x -> x.closeInfo() != null).findFirst().orElseThrow();
        assertThat(left.closeInfo().reason()).isEqualTo(CloseReason.UNHEALTHY);
        assertThat(left.closeInfo().detail()).contains("db");
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.closes.isEmpty());
        assertThat(first.closes.get(0).detail()).as("the server hears why").contains("unhealthy");
    }

    @Test
    void sendsWhileDisconnectedQueueUpToTheMessageBound() throws Exception {
        int port = ServerProcess.freePort(); // nothing listens yet
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint("127.0.0.1:" + port).maxQueuedMessages(3)
                .backoff(Backoff.builder().initial(Duration.ofMillis(50)).max(Duration.ofMillis(200)).build()), events);
        List<CompletableFuture<Void>> ok = List.of(c.send("1"), c.send("2"), c.send("3"));
        CompletableFuture<Void> over = c.send("4");
        assertThat(over).isCompletedExceptionally();
        assertThatThrownBy(over::get).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(QueueFullException.class)
                .hasMessageContaining("max_queued_messages = 3")
                .satisfies(t -> {
                    assertThat(((QueueFullException) t).bound()).isEqualTo("max_queued_messages");
                    assertThat(((QueueFullException) t).limit()).isEqualTo(3);
                });
        Echo echo = new Echo();
        TetherServer s = TetherServer.builder().config(ServerConfig.builder().port(port).workerNum(1).build())
                .handler(echo).build().start();
        cleanup.add(s);
        CompletableFuture.allOf(ok.toArray(CompletableFuture[]::new)).get();
        await().atMost(Duration.ofSeconds(5)).until(() -> echo.received.size() == 3);
        assertThat(echo.received).containsExactly("1", "2", "3");
    }

    @Test
    void queueAlsoBoundsBytes() {
        int port;
        try {
            port = ServerProcess.freePort();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        TetherClient c = client(ClientConfig.builder().endpoint("127.0.0.1:" + port).maxQueuedBytes(10), new Events());
        assertThat(c.send(new byte[6])).isNotCompletedExceptionally();
        CompletableFuture<Void> over = c.send(new byte[6]);
        assertThatThrownBy(over::get).cause().isInstanceOf(QueueFullException.class)
                .hasMessageContaining("6 bytes wait").hasMessageContaining("max_queued_bytes = 10");
        assertThat(c.queuedMessages()).isEqualTo(1);
    }

    @Test
    void onUseModeDoesNotPingAndReconnectsOnTheNextSend() throws Exception {
        Echo echo = new Echo();
        TetherServer s = server(ServerConfig.builder().heartbeatIdleTime(Duration.ofMillis(400)), echo);
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)).mode(ConnectionMode.ON_USE), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        await("the server's idle timeout closes a client that does not ping").atMost(Duration.ofSeconds(5))
                .until(() -> c.state() == ClientState.DISCONNECTED);
        StateChange idle = events.list().get(events.list().size() - 1);
        assertThat(idle.closeInfo().reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
        c.send("wake").get(5, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> events.messages.contains("echo wake"));
        assertThat(events.list()).extracting(StateChange::to).containsSubsequence(
                ClientState.CONNECTED, ClientState.DISCONNECTED, ClientState.CONNECTING, ClientState.CONNECTED);
        assertThat(events.list()).extracting(StateChange::to).doesNotContain(ClientState.RECONNECTING);
    }

    @Test
    void lineModeTalksToALineServer() {
        Echo echo = new Echo();
        TetherServer s = server(ServerConfig.builder().framing(Framing.LINE), echo);
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)).protocol(Protocol.LINE)
                .heartbeatInterval(Duration.ofMillis(600)).pingTimeout(Duration.ofMillis(500)), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        c.send("hello line");
        await().atMost(Duration.ofSeconds(5)).until(() -> events.messages.contains("echo hello line"));
        // Pings are answered by "pong" lines, which are not messages: the connection outlives the
        // ping timeout several times over.
        await().during(Duration.ofMillis(2000)).atMost(Duration.ofSeconds(3)).until(() -> c.state() == ClientState.CONNECTED);
        assertThat(events.messages).containsExactly("echo hello line");
        assertThat(c.send("two\nlines")).isCompletedExceptionally();
    }

    @Test
    void givesUpAfterMaxAttempts() throws Exception {
        int port = ServerProcess.freePort();
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint("127.0.0.1:" + port)
                .backoff(Backoff.builder().initial(Duration.ofMillis(20)).maxAttempts(3).build()), events);
        CompletableFuture<Void> queued = c.send("never");
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CLOSED);
        StateChange last = events.list().get(events.list().size() - 1);
        assertThat(last.cause()).hasMessageContaining("gave up after 3 reconnect attempts");
        assertThat(events.list()).filteredOn(x -> x.to() == ClientState.RECONNECTING).extracting(StateChange::attempt)
                .containsExactly(1, 2, 3);
        assertThatThrownBy(queued::get).cause().isInstanceOf(ClientClosedException.class);
    }

    @Test
    void appliesKeepaliveAndUserTimeoutToItsOwnSocket() {
        TetherServer s = server(ServerConfig.builder(), new Echo());
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(s)).openTcpKeepalive(true).tcpKeepIdle(Duration.ofSeconds(7))
                .tcpKeepInterval(Duration.ofSeconds(3)).tcpKeepCount(4).tcpUserTimeout(Duration.ofMillis(4500)), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        SocketOptions o = c.socketOptions();
        assertThat(o.nativeTransport()).as("epoll loads on this Linux box").isTrue();
        assertThat(o.keepAlive()).isTrue();
        assertThat(o.keepIdle()).isEqualTo(Duration.ofSeconds(7));
        assertThat(o.keepInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.keepCount()).isEqualTo(4);
        assertThat(o.userTimeout()).isEqualTo(Duration.ofMillis(4500));
    }

    @Test
    void resolvesHostNamesOffTheEventLoopAndReportsUnknownHosts() {
        TetherServer s = server(ServerConfig.builder(), new Echo());
        Events ok = new Events();
        TetherClient byName = client(ClientConfig.builder().endpoint("localhost", s.localAddress().getPort()), ok);
        await().atMost(Duration.ofSeconds(5)).until(() -> byName.state() == ClientState.CONNECTED);

        Events bad = new Events();
        TetherClient unknown = client(ClientConfig.builder().endpoint("no-such-host.invalid:9501")
                .backoff(Backoff.builder().initial(Duration.ofMillis(20)).maxAttempts(1).build()), bad);
        await().atMost(Duration.ofSeconds(10)).until(() -> unknown.state() == ClientState.CLOSED);
        assertThat(bad.list().get(1).cause()).isInstanceOf(java.net.UnknownHostException.class)
                .hasMessageContaining("no-such-host.invalid");
    }

    @Test
    void withheldPongsEndInPingTimeoutAndFailover() {
        HealthCheck down = new HealthCheck() {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public HealthResult check(Duration timeout) {
                return HealthResult.failed("connection refused");
            }
        };
        // health_fail_mode withhold: an unhealthy server sends no PONG at all.
        TetherServer a = server(ServerConfig.builder().healthFailMode(ServerConfig.HealthFailMode.WITHHOLD), new Echo(), down);
        TetherServer b = server(ServerConfig.builder(), new Echo());
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint(ep(a)).endpoint(ep(b))
                .heartbeatInterval(Duration.ofMillis(600)).pingTimeout(Duration.ofMillis(500))
                .backoff(Backoff.builder().initial(Duration.ofMillis(50)).build()), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.connectedEndpoint() != null
                && c.connectedEndpoint().getPort() == b.localAddress().getPort());
        StateChange left = events.list().stream().filter(x -> x.closeInfo() != null).findFirst().orElseThrow();
        assertThat(left.closeInfo().reason()).isEqualTo(CloseReason.PING_TIMEOUT);
    }

    @Test
    void concurrentSendsStayInOrderAcrossARestart() throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        ServerHandler recorder = new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                seen.add(Integer.parseInt(message.text()));
            }
        };
        TetherServer first = server(ServerConfig.builder(), recorder);
        int port = first.localAddress().getPort();
        Events events = new Events();
        TetherClient c = client(ClientConfig.builder().endpoint("127.0.0.1", port)
                .backoff(Backoff.builder().initial(Duration.ofMillis(100)).build()), events);
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger lastSent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger sentWhileDown = new java.util.concurrent.atomic.AtomicInteger();
        List<CompletableFuture<Void>> sends = new CopyOnWriteArrayList<>();
        Thread sender = new Thread(() -> {
            for (int i = 1; !stop.get(); i++) {
                if (c.state() != ClientState.CONNECTED) {
                    sentWhileDown.incrementAndGet();
                }
                sends.add(c.send(Integer.toString(i)));
                lastSent.set(i);
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // pacing (~5,000/s), not waiting
            }
        });
        sender.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 300);
        first.shutdown(Duration.ofSeconds(1)); // mid-stream: later sends queue while it is gone
        TetherServer second = TetherServer.builder().config(ServerConfig.builder().port(port).workerNum(1).build())
                .handler(recorder).build().start();
        cleanup.add(second);
        int before = seen.size();
        await("reconnected and streaming again").atMost(Duration.ofSeconds(10))
                .until(() -> events.list().stream().filter(x -> x.to() == ClientState.CONNECTED).count() >= 2
                        && seen.size() >= before + 300);
        stop.set(true);
        sender.join(5_000);
        int total = lastSent.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.get(seen.size() - 1) == total);
        // In order, never twice: numbers only ever go up. Messages whose write failed at the break
        // are put back and resent; only ones fully written to the old socket after the server
        // stopped reading can be lost (at most once, no acknowledgements yet).
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("message %d after %d", seen.get(i), seen.get(i - 1)).isGreaterThan(seen.get(i - 1));
        }
        long failed = sends.stream().filter(CompletableFuture::isCompletedExceptionally).count();
        System.out.printf("restart mid-stream: %d of %d arrived, %d sent while not connected, %d sends failed (connection lost)%n",
                seen.size(), total, sentWhileDown.get(), failed);
        assertThat(sentWhileDown.get()).as("some sends really happened during the outage").isPositive();
        assertThat(failed).as("failed writes at the break are put back and resent, not failed").isZero();
    }

    @Test
    void refusesAnEventLoopGroupOfTheWrongTransport() {
        io.netty.channel.EventLoopGroup nio = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            assertThatThrownBy(() -> TetherClient.builder().config(ClientConfig.builder().endpoint("127.0.0.1:9501").build())
                    .eventLoopGroup(nio).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("TetherClient.newEventLoopGroup");
        } finally {
            nio.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
