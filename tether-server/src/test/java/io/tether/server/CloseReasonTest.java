package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each way a connection ends, on real sockets, gives its one reason exactly once. */
class CloseReasonTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    private TetherServer start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).build().start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private long onlyConnection() {
        await().atMost(Duration.ofSeconds(5)).until(() -> events.connects.size() == 1);
        return events.connects.get(0);
    }

    @Test
    void peerFinIsPeerClosed() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("hello");
            long id = onlyConnection();
            await().until(() -> events.received.containsKey(id));
            c.socket.shutdownOutput();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_CLOSED);
            assertThat(events.received.get(id)).containsExactly("hello");
        }
    }

    @Test
    void peerRstIsPeerReset() throws Exception {
        start(ServerConfig.builder());
        TestClient c = TestClient.line(server);
        c.sendLine("x");
        long id = onlyConnection();
        await().until(() -> events.received.containsKey(id));
        c.reset();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
        assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_RESET);
    }

    @Test
    void silentClientIsClosedForIdleBetweenIdleAndIdlePlusTolerance() throws Exception {
        // Bound: heartbeat_idle_time 1.0 s plus one 10 ms tick; tolerance 250 ms for a loaded CI machine.
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(1)).heartbeatCheckInterval(Duration.ofSeconds(1)));
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("last words");
            long lastByteAt = System.nanoTime();
            long id = onlyConnection();
            assertThat(c.awaitEof()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
            double afterLastByte = (events.closedAtNanos.get(id) - lastByteAt) / 1e9;
            assertThat(afterLastByte).as("closed %.3f s after the last byte", afterLastByte).isBetween(1.0, 1.26);
            assertThat(info.silentFor().toMillis()).isBetween(1000L, 1260L);
        }
    }

    @Test
    void receivedBytesPostponeTheIdleDeadline() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofMillis(600)));
        try (TestClient c = TestClient.line(server)) {
            long id;
            long startedAt = System.nanoTime();
            c.sendLine("a");
            id = onlyConnection();
            // Keep talking every 200 ms for 1.5 s (well past the 600 ms idle time).
            for (int i = 0; i < 7; i++) {
                long due = startedAt + (i + 1) * 200_000_000L;
                await().pollInterval(Duration.ofMillis(5)).until(() -> System.nanoTime() >= due);
                c.sendLine("msg " + i);
            }
            assertThat(events.closes).doesNotContainKey(id);
            assertThat(server.connection(id).isOpen()).isTrue();
        }
    }

    @Test
    void frameClientThatNeverAnswersServerPingIsClosedForPingTimeout() throws Exception {
        start(ServerConfig.builder().serverPingInterval(Duration.ofMillis(300)).serverPingTimeout(Duration.ofMillis(400)));
        try (TestClient c = TestClient.frame(server)) {
            long id = onlyConnection();
            assertThat(c.welcome.serverPingIntervalMillis()).isEqualTo(300);
            assertThat(c.readFrame()).isInstanceOf(Frame.Ping.class);
            Frame last = c.readFrame();
            assertThat(last).isInstanceOf(Frame.Close.class);
            assertThat(((Frame.Close) last).code()).isEqualTo(CloseReason.PING_TIMEOUT.code());
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.PING_TIMEOUT);
            // Pinged after 300 ms of silence, closed 400 ms later: about 700 ms silent.
            assertThat(info.silentFor().toMillis()).isBetween(700L, 1000L);
        }
    }

    @Test
    void frameClientThatAnswersServerPingsStaysConnected() throws Exception {
        start(ServerConfig.builder().serverPingInterval(Duration.ofMillis(200)).serverPingTimeout(Duration.ofMillis(300)));
        try (TestClient c = TestClient.frame(server)) {
            long id = onlyConnection();
            for (int i = 0; i < 5; i++) {
                Frame f = c.readFrame();
                assertThat(f).isInstanceOf(Frame.Ping.class);
                c.send(new Frame.Pong(((Frame.Ping) f).id(), true, ""));
            }
            assertThat(events.closes).doesNotContainKey(id);
        }
    }

    @Test
    void oversizedLineIsProtocolErrorAndOthersCarryOn() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024).pingMinInterval(Duration.ZERO));
        try (TestClient bystander = TestClient.line(server); TestClient bad = TestClient.line(server)) {
            bystander.sendLine("ping");
            assertThat(bystander.readLine()).isEqualTo("pong");
            await().until(() -> events.connects.size() == 2);
            bad.raw(new byte[2000]);
            assertThat(bad.readLine()).startsWith("error protocol error");
            assertThat(bad.awaitEof()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closeCount() == 1);
            long badId = events.closes.keySet().iterator().next();
            CloseInfo info = events.onlyClose(badId);
            assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
            assertThat(info.detail()).contains("1024");
            bystander.sendLine("ping");
            assertThat(bystander.readLine()).isEqualTo("pong");
        }
    }

    @Test
    void oversizedFrameIsProtocolErrorWithCloseFrame() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024));
        try (TestClient c = TestClient.frame(server)) {
            long id = onlyConnection();
            c.raw(new byte[] {0x03, 0x00, 0x00, 0x13, (byte) 0x88}); // DATA of 5000 bytes: header alone is enough
            Frame f = c.readFrame();
            assertThat(f).isInstanceOf(Frame.Close.class);
            assertThat(((Frame.Close) f).code()).isEqualTo(CloseReason.PROTOCOL_ERROR.code());
            assertThat(((Frame.Close) f).reason()).contains("5000").contains("package_max_length 1024");
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        }
    }

    @Test
    void malformedFrameIsProtocolError() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.frame(server)) {
            long id = onlyConnection();
            c.raw(new byte[] {0x04, 0, 0, 0, 3, 1, 2, 3}); // PING must carry 8 bytes
            Frame f = c.readFrame();
            assertThat(((Frame.Close) f).reason()).contains("PING payload must be 8 bytes");
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        }
    }

    @Test
    void unknownPreambleIsProtocolError() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.raw(new byte[] {(byte) 0xFF, 'X', 'Y', 'Z', 1});
            long id = onlyConnection();
            assertThat(c.awaitEof()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
            assertThat(info.detail()).contains("preamble");
        }
    }

    @Test
    void connectionPastMaxConnectionIsLimitReachedOnce() throws Exception {
        start(ServerConfig.builder().maxConnection(2));
        List<TestClient> clients = new ArrayList<>();
        try {
            clients.add(TestClient.line(server));
            clients.add(TestClient.line(server));
            await().atMost(Duration.ofSeconds(5)).until(() -> events.connects.size() == 2);
            TestClient third = TestClient.line(server);
            clients.add(third);
            assertThat(third.awaitEof()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closeCount() == 1);
            long refused = events.closes.keySet().iterator().next();
            assertThat(events.onlyClose(refused).reason()).isEqualTo(CloseReason.LIMIT_REACHED);
            assertThat(events.connects).hasSize(2).doesNotContain(refused);
            // The two admitted ones still work.
            clients.get(0).sendLine("ping");
            assertThat(clients.get(0).readLine()).isEqualTo("pong");
        } finally {
            for (TestClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void serverCloseIsClosedByServerAndFlushesFirst() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("hi"); // in auto mode the server writes once it knows the client speaks lines
            long id = onlyConnection();
            Connection conn = server.connection(id);
            conn.send("goodbye");
            conn.close();
            assertThat(c.readLine()).isEqualTo("goodbye");
            assertThat(c.readLine()).isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.CLOSED_BY_SERVER);
        }
    }

    @Test
    void shutdownClosesEveryConnectionWithReasonShutdown() throws Exception {
        start(ServerConfig.builder());
        try (TestClient line = TestClient.line(server); TestClient frame = TestClient.frame(server)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> events.connects.size() == 2);
            long frameId = frame.welcome.connectionId();
            server.connection(frameId).send("last message");
            server.close();
            assertThat(events.closeCount()).isEqualTo(2);
            for (long id : events.connects) {
                assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.SHUTDOWN);
            }
            assertThat(((Frame.Data) frame.readFrame()).text()).isEqualTo("last message");
            Frame bye = frame.readFrame();
            assertThat(((Frame.Close) bye).code()).isEqualTo(CloseReason.SHUTDOWN.code());
            assertThat(line.readLine()).isNull();
            server = null;
        }
    }

    @Test
    void resetWhileTheServerIsWritingIsPeerReset() throws Exception {
        start(ServerConfig.builder().framing(Framing.RAW));
        TestClient c = TestClient.line(server);
        c.raw(new byte[] {1});
        long id = onlyConnection();
        Connection conn = server.connection(id);
        c.reset();
        // Keep writing into the reset socket: the failure surfaces on a write, not a read.
        byte[] chunk = new byte[64 * 1024];
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            conn.send(chunk);
            return events.closes.containsKey(id);
        });
        assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_RESET);
    }
}
