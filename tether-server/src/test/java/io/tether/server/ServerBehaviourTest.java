package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerBehaviourTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).build().start();
    }

    @Test
    void lineAndFrameClientsShareOnePortInAutoMode() throws Exception {
        events.echo = true;
        start(ServerConfig.builder());
        try (TestClient line = TestClient.line(server); TestClient frame = TestClient.frame(server)) {
            line.sendLine("from nc");
            assertThat(line.readLine()).isEqualTo("from nc");
            frame.send(Frame.Data.of("from sdk"));
            assertThat(frame.readFrame()).isEqualTo(Frame.Data.of("from sdk"));
            assertThat(frame.welcome.maxFrameLength()).isEqualTo(2 * 1024 * 1024);
        }
    }

    @Test
    void rawModeDeliversBytesAsRead() throws Exception {
        events.echo = true;
        start(ServerConfig.builder().framing(Framing.RAW));
        try (TestClient c = TestClient.line(server)) {
            c.raw("no newline".getBytes());
            await().until(() -> !events.received.isEmpty());
            assertThat(String.join("", events.received.values().iterator().next())).isEqualTo("no newline");
        }
    }

    @Test
    void connectionIdsAreNeverReused() throws Exception {
        start(ServerConfig.builder());
        for (int i = 0; i < 5; i++) {
            try (TestClient c = TestClient.line(server)) {
                c.sendLine("x");
                int expected = i + 1;
                await().until(() -> events.connects.size() == expected);
            }
        }
        await().until(() -> events.closeCount() == 5);
        assertThat(events.connects).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void connectionInfoCountsBytesAndTimes() throws Exception {
        events.echo = true;
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("12345");
            assertThat(c.readLine()).isEqualTo("12345");
            long id = events.connects.get(0);
            ConnectionInfo info = server.connection(id).info();
            assertThat(info.bytesIn()).isEqualTo(6);
            assertThat(info.bytesOut()).isEqualTo(6);
            assertThat(info.framing()).isEqualTo(Framing.LINE);
            assertThat(info.remoteAddress().getPort()).isEqualTo(c.socket.getLocalPort());
            assertThat(info.lastReceiveAt()).isAfterOrEqualTo(info.connectedAt());
            assertThat(server.connections()).extracting(Connection::id).containsExactly(id);
        }
    }

    @Test
    void blockingHandlersRunOnTheGivenExecutorInOrder() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4, r -> new Thread(r, "app-pool"));
        try {
            server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events)
                    .handlerExecutor(pool).build().start();
            try (TestClient c = TestClient.line(server)) {
                for (int i = 0; i < 100; i++) {
                    c.sendLine("m" + i);
                }
                await().until(() -> !events.received.isEmpty() && events.received.values().iterator().next().size() == 100);
                List<String> got = events.received.values().iterator().next();
                for (int i = 0; i < 100; i++) {
                    assertThat(got.get(i)).isEqualTo("m" + i);
                }
                assertThat(events.threads).allMatch(t -> t.equals("app-pool"));
            }
            server.close(); // before the pool: onClose still has somewhere to run
            server = null;
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void sendBeforeTheClientSpeaksIsHeldUntilItsFramingIsKnown() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(new ServerHandler() {
            @Override
            public void onConnect(Connection conn) {
                conn.send("welcome");
            }
        }).build().start();
        try (TestClient frame = TestClient.frame(server)) {
            assertThat(frame.readFrame()).isEqualTo(Frame.Data.of("welcome"));
        }
        try (TestClient line = TestClient.line(server)) {
            line.sendLine("hi");
            assertThat(line.readLine()).isEqualTo("welcome");
        }
    }

    @Test
    void manualHeartbeatSweepFindsOnlySilentConnections() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(60)));
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("x");
            await().until(() -> events.connects.size() == 1);
            assertThat(server.heartbeat(true)).isEmpty();
            assertThat(server.connection(events.connects.get(0)).isOpen()).isTrue();
        }
    }

    @Test
    void manualHeartbeatSweepClosesWithIdleTimeout() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofMillis(300)).heartbeatTick(Duration.ofMillis(100)));
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("x");
            await().until(() -> events.connects.size() == 1);
            long id = events.connects.get(0);
            // The sweep and the connection's own deadline race for it; either way the reason is the same.
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                server.heartbeat(true);
                return events.closes.containsKey(id);
            });
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
        }
    }
}
