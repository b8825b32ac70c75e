package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ping rate (docs/PROTOCOL.md, "Ping rate") at the defaults (ping_min_interval 500 ms,
 * ping_burst 10, ping_strikes 2), on real sockets: what people and probes do is always answered,
 * pings bunched by the server's own stall earn nothing, and only a flood is told, then closed.
 */
class PingRateTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private TestClient line(ServerConfig.Builder config) throws IOException {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).build().start();
        return TestClient.line(server);
    }

    @Test
    void pingsBunchedByAStalledEventLoopEarnNoStrike() throws Exception {
        // One event loop, blocked 500 ms at a time by a handler, while another client pings at exactly
        // ping_min_interval: its pings queue in the kernel during a block and are read together.
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(1).build()).handler(new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                if (message.text().equals("block")) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500)); // on the event loop, on purpose
                }
            }

            @Override
            public void onClose(Connection conn, io.tether.core.close.CloseInfo info) {
                events.onClose(conn, info);
            }
        }).build().start();
        long interval = TimeUnit.MILLISECONDS.toNanos(server.config().pingMinInterval().toMillis());
        assertThat(interval).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        try (TestClient blocker = TestClient.line(server); TestClient pinger = TestClient.line(server)) {
            BlockingQueue<String> replies = new LinkedBlockingQueue<>();
            List<Long> replyAt = new ArrayList<>();
            Thread reader = new Thread(() -> {
                try {
                    String l;
                    while ((l = pinger.readLine()) != null) {
                        synchronized (replyAt) {
                            replyAt.add(System.nanoTime());
                        }
                        replies.add(l);
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            reader.start();
            int pings = 9;
            long start = System.nanoTime();
            long[] sentAt = new long[pings];
            for (int i = 0; i < pings; i++) {
                parkUntil(start + i * interval); // the pacing is the test's input: exactly the minimum interval
                sentAt[i] = System.nanoTime();
                pinger.sendLine("ping");
                if (i == 1 || i == 4 || i == 6) {
                    // The loop stalls across the next ping: it is read 480 (250) ms late, and the one
                    // after it 20 (250) ms after that, far closer than ping_min_interval.
                    parkUntil(sentAt[i] + TimeUnit.MILLISECONDS.toNanos(i == 4 ? 250 : 480));
                    blocker.sendLine("block");
                }
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < pings; i++) {
                String l = replies.poll(10, TimeUnit.SECONDS);
                assertThat(l).as("reply %d of %d", i + 1, pings).isNotNull();
                got.add(l);
            }
            assertThat(got).as("every ping answered, and no notice").containsOnly("pong");
            pinger.sendLine("ping");
            assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("pong");
            synchronized (replyAt) {
                // The stall really held pings back: the pong of the ping sent 20 ms into a block came
                // at least 300 ms after it (bound 480 ms, tolerance 180 ms for a late block or wake-up).
                assertThat((replyAt.get(2) - sentAt[2]) / 1_000_000).as("ms the stall held ping 3").isGreaterThanOrEqualTo(300);
            }
            assertThat(events.closes).as("nobody closed").isEmpty();
            pinger.close();
            reader.join(5000);
        }
    }

    @Test
    void threePipelinedPingsGetThreePongsAndNoNotice() throws Exception {
        try (TestClient c = line(ServerConfig.builder())) {
            c.raw("ping\nping\nping\n".getBytes());
            assertThat(List.of(c.readLine(), c.readLine(), c.readLine())).containsOnly("pong");
            c.sendLine("ping"); // a notice would have come before the pong it goes with
            assertThat(c.readLine()).isEqualTo("pong");
        }
    }

    @Test
    void twoPingsWithin500MsFromALineClientGetTwoPongs() throws Exception {
        try (TestClient c = line(ServerConfig.builder())) {
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
            c.sendLine("ping"); // at once, well within ping_min_interval
            assertThat(c.readLine()).isEqualTo("pong");
            c.sendLine("ping");
            c.sendLine("ping"); // and two without waiting for the first pong
            assertThat(List.of(c.readLine(), c.readLine())).containsOnly("pong");
        }
    }

    @Test
    void aClosedLoopLinePingerRuns2000RoundTripsAtTheDefaults() throws Exception {
        try (TestClient c = line(ServerConfig.builder())) {
            for (int i = 0; i < 2000; i++) {
                c.sendLine("ping");
                assertThat(c.readLine()).as("round trip %d", i + 1).isEqualTo("pong");
            }
            assertThat(events.closes).isEmpty();
        }
    }

    @Test
    void aClosedLoopFramePingerRuns2000RoundTripsAtTheDefaults() throws Exception {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
        try (TestClient c = TestClient.frame(server)) {
            for (int i = 0; i < 2000; i++) {
                c.send(new Frame.Ping(i));
                assertThat(c.readFrame()).as("round trip %d", i + 1).isEqualTo(new Frame.Pong(i, true, ""));
            }
            assertThat(events.closes).isEmpty();
        }
    }

    @Test
    void aLineFloodIsToldThenClosedWithTooManyPings() throws Exception {
        try (TestClient c = line(ServerConfig.builder())) {
            c.raw("ping\n".repeat(50).getBytes());
            List<String> got = new ArrayList<>();
            String l;
            while ((l = c.readLine()) != null) {
                got.add(l);
            }
            int notice = got.indexOf("notice too many pings: at most one every 500 ms after a burst of 10");
            assertThat(notice).as("the notice, after the self-clocked first ping and the burst: %s", got).isGreaterThanOrEqualTo(11);
            assertThat(got.subList(0, notice)).containsOnly("pong");
            assertThat(got.get(got.size() - 1)).startsWith("error too many pings: ");
            assertThat(got.subList(notice + 1, got.size() - 1)).as("the tolerated strikes' pongs").containsOnly("pong").hasSizeLessThanOrEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closeCount() == 1);
            assertThat(events.closes.values().iterator().next().get(0).reason()).isEqualTo(CloseReason.TOO_MANY_PINGS);
        }
    }

    @Test
    void theAllowanceRefillsWithTimeAndTheRuleIsExact() throws Exception {
        // ping_burst 3, ping_strikes 1, one per second, on a simulated clock.
        MockTicker clock = Ticker.newMockTicker();
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(1).pingMinInterval(Duration.ofSeconds(1))
                .pingBurst(3).pingStrikes(1).build()).handler(events).ticker(clock).build().start();
        try (TestClient c = TestClient.frame(server)) {
            // The first is self-clocked, the next three spend the burst: no notice.
            c.raw(TestClient.encode(new Frame.Ping(1), new Frame.Ping(2), new Frame.Ping(3), new Frame.Ping(4)));
            for (long id = 1; id <= 4; id++) {
                assertThat(c.readFrame()).isEqualTo(new Frame.Pong(id, true, ""));
            }
            clock.advance(2, TimeUnit.SECONDS); // two back
            c.raw(TestClient.encode(new Frame.Ping(5), new Frame.Ping(6), new Frame.Ping(7)));
            for (long id = 5; id <= 7; id++) {
                assertThat(c.readFrame()).isEqualTo(new Frame.Pong(id, true, ""));
            }
            // Empty now: one over is told (and answered), two over is more than ping_strikes 1.
            c.raw(TestClient.encode(new Frame.Ping(8), new Frame.Ping(9), new Frame.Ping(10)));
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(8, true, ""));
            assertThat(c.readFrame()).isInstanceOf(Frame.Notice.class);
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(9, true, ""));
            Frame close = c.readFrame();
            assertThat(close).isInstanceOf(Frame.Close.class);
            assertThat(((Frame.Close) close).code()).isEqualTo(CloseReason.TOO_MANY_PINGS.code());
            assertThat(((Frame.Close) close).reason()).contains("2 pings over the allowance");
        }
    }

    @Test
    void aPingOwedAPongIsNotSelfClocked() throws Exception {
        // While a health check runs, pongs are owed: a ping sent meanwhile did not wait for one, so
        // it counts even first in its read batch. ping_burst 1, ping_strikes 0: the second such closes.
        server = TetherServer.builder().config(ServerConfig.builder().port(0).pingBurst(1).pingStrikes(0)
                        .healthCheckTimeout(Duration.ofSeconds(10)).build())
                .handler(events).healthCheck(TestChecks.slow("slow", 1500)).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("ping"); // self-clocked; its pong waits for the 1.5 s check
            c.sendLine("ping"); // sent without waiting for it (separate writes): spends the burst of 1
            c.sendLine("ping"); // over it, and ping_strikes 0: closed
            List<String> got = new ArrayList<>();
            String l;
            while ((l = c.readLine()) != null) {
                got.add(l);
            }
            assertThat(got.get(got.size() - 1)).startsWith("error too many pings");
        }
    }

    private static void parkUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
