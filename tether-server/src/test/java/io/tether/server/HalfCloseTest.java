package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseReason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that sends and then half-closes ({@code printf 'ping\n' | nc -N host port}) gets its
 * answers before the server closes: pongs waiting on a health check, a last line without its
 * newline, the replies of handlers running on an executor. The close reason stays peer closed.
 */
class HalfCloseTest {
    private final Recorder events = new Recorder();
    private TetherServer server;
    private ExecutorService pool;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (pool != null) {
            pool.shutdown();
        }
    }

    /** Everything the server sends until it closes. */
    private static List<String> linesUntilEof(TestClient c) throws IOException {
        List<String> got = new ArrayList<>();
        String l;
        while ((l = c.readLine()) != null) {
            got.add(l);
        }
        return got;
    }

    private long onlyConnection() {
        await().until(() -> events.connects.size() == 1);
        return events.connects.get(0);
    }

    @Test
    void aPingFollowedByFinGetsItsPongWhenTheHealthCheckTakes500Ms() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events)
                .healthCheck(TestChecks.slow("slow", 500)).build().start();
        try (TestClient c = TestClient.line(server)) {
            long t0 = System.nanoTime();
            c.raw("ping\n".getBytes());
            c.socket.shutdownOutput(); // FIN, as nc -N sends at the end of its input
            assertThat(linesUntilEof(c)).containsExactly("pong");
            // The pong waited for the 500 ms check (tolerance -20 ms for timer granularity).
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(480);
            long id = onlyConnection();
            await().until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }

    @Test
    void theWaitForAnswersIsBoundedByShutdownTimeout() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).shutdownTimeout(Duration.ofMillis(300))
                .healthCheckTimeout(Duration.ofSeconds(20)).build()).handler(events).healthCheck(TestChecks.slow("slow", 10_000)).build().start();
        try (TestClient c = TestClient.line(server)) {
            long t0 = System.nanoTime();
            c.raw("ping\n".getBytes());
            c.socket.shutdownOutput();
            assertThat(linesUntilEof(c)).as("the check outlives shutdown_timeout: closed without a pong").isEmpty();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            // Bound: shutdown_timeout 300 ms; tolerance -20 ms for timer granularity, +2 s for a loaded machine.
            assertThat(ms).isBetween(280L, 2300L);
            long id = onlyConnection();
            await().until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }

    @Test
    void aLastLineWithoutNewlineBeforeFinReachesOnReceive() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.raw("first\nlast words".getBytes());
            c.socket.shutdownOutput();
            assertThat(linesUntilEof(c)).isEmpty();
            long id = onlyConnection();
            await().until(() -> events.closes.containsKey(id));
            assertThat(events.received.get(id)).containsExactly("first", "last words");
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }

    @Test
    void aLastPingWithoutNewlineIsAnswered() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.raw("ping".getBytes()); // printf ping | nc -N
            c.socket.shutdownOutput();
            assertThat(linesUntilEof(c)).containsExactly("pong");
        }
    }

    @Test
    void anEchoFromAHandlerExecutorArrivesBeforeTheClose() throws Exception {
        pool = Executors.newFixedThreadPool(2, r -> new Thread(r, "app-pool"));
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                try {
                    Thread.sleep(300); // a slow handler: the FIN arrives while it runs
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                conn.send("echo " + message.text());
            }

            @Override
            public void onClose(Connection conn, io.tether.core.close.CloseInfo info) {
                events.onClose(conn, info);
            }
        }).handlerExecutor(pool).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.raw("one\ntwo\nthree".getBytes());
            c.socket.shutdownOutput();
            assertThat(linesUntilEof(c)).containsExactly("echo one", "echo two", "echo three");
            await().until(() -> events.closeCount() == 1);
            assertThat(events.closes.values().iterator().next().get(0).reason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }

    @Test
    void anEchoOnTheEventLoopArrivesBeforeTheClose() throws Exception {
        events.echo = true;
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.raw("hello\nping\nbye".getBytes());
            c.socket.shutdownOutput();
            assertThat(linesUntilEof(c)).containsExactly("hello", "pong", "bye");
        }
    }
}
