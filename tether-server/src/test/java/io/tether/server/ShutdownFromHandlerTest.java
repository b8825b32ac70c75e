package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code shutdown()} called from a handler running on the server's own event loop must not wait
 * for that loop (it would wait for itself): the server still stops, within shutdown_timeout.
 */
class ShutdownFromHandlerTest {
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void shutdownFromOnReceiveOnTheEventLoopStopsWithinShutdownTimeout() throws Exception {
        runShutdownFromHandler(null);
    }

    @Test
    void shutdownFromOnReceiveOnAHandlerExecutorStopsWithinShutdownTimeout() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            runShutdownFromHandler(pool);
        } finally {
            pool.shutdownNow();
        }
    }

    private void runShutdownFromHandler(ExecutorService pool) throws Exception {
        CompletableFuture<String> calledOn = new CompletableFuture<>();
        CompletableFuture<Long> returnedAfterNanos = new CompletableFuture<>();
        CompletableFuture<CloseInfo> closed = new CompletableFuture<>();
        TetherServer[] holder = new TetherServer[1];
        TetherServer.Builder b = TetherServer.builder()
                .config(ServerConfig.builder().port(0).workerNum(1).shutdownTimeout(SHUTDOWN_TIMEOUT).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        calledOn.complete(Thread.currentThread().getName());
                        long t0 = System.nanoTime();
                        holder[0].shutdown(SHUTDOWN_TIMEOUT);
                        returnedAfterNanos.complete(System.nanoTime() - t0);
                    }

                    @Override
                    public void onClose(Connection conn, CloseInfo info) {
                        closed.complete(info);
                    }
                });
        if (pool != null) {
            b.handlerExecutor(pool);
        }
        TetherServer server = b.build().start();
        holder[0] = server;
        int port = server.localAddress().getPort();
        try (TestClient c = TestClient.line(server)) {
            long t0 = System.nanoTime();
            c.sendLine("stop");
            assertThat(calledOn.get(5, TimeUnit.SECONDS)).startsWith(pool == null ? "tether-io" : "pool");
            // Bound: the server stops within shutdown_timeout (2 s); tolerance 1 s for a loaded machine.
            await().atMost(SHUTDOWN_TIMEOUT.plusSeconds(1)).until(() -> !server.isRunning());
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(tookMs).as("stopped %d ms after the shutdown call; bound %d ms + 1 s", tookMs,
                    SHUTDOWN_TIMEOUT.toMillis()).isLessThan(SHUTDOWN_TIMEOUT.toMillis() + 1000);
            assertThat(closed.get(1, TimeUnit.SECONDS).reason()).isEqualTo(CloseReason.SHUTDOWN);
            assertThat(c.awaitEof()).isTrue();
            if (pool == null) {
                assertThat(returnedAfterNanos.get(1, TimeUnit.SECONDS))
                        .as("shutdown() on the event loop returns at once instead of waiting for itself")
                        .isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
            }
        }
        boolean refused;
        try (Socket s = new Socket("127.0.0.1", port)) {
            refused = false;
        } catch (ConnectException e) {
            refused = true;
        }
        assertThat(refused).as("the port is no longer accepting").isTrue();
    }
}
