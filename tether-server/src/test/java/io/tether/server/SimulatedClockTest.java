package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The liveness rules on a simulated clock: a 60 s idle deadline and a 20 s server ping are
 * checked in milliseconds of real time, to the simulated second, by moving the server's ticker.
 */
class SimulatedClockTest {

    @Test
    void idleDeadlineFollowsTheServersTicker() throws Exception {
        MockTicker clock = Ticker.newMockTicker();
        Recorder events = new Recorder();
        ServerConfig config = ServerConfig.builder().port(0).workerNum(1).heartbeatIdleTime(Duration.ofSeconds(60)).build();
        try (TetherServer server = TetherServer.builder().config(config).handler(events).ticker(clock).build().start();
             TestClient c = TestClient.line(server)) {
            c.sendLine("hello");
            await().until(() -> events.received.size() == 1);
            long id = events.connects.get(0);

            clock.advance(59, TimeUnit.SECONDS);
            // 59 s of silence is inside the 60 s deadline: still open over 20 real 10 ms ticks.
            stillOpenFor200Ms(events);

            c.sendLine("still here"); // life: the deadline moves to 59 + 60 s
            await().until(() -> events.received.get(id).size() == 2);
            clock.advance(59, TimeUnit.SECONDS);
            stillOpenFor200Ms(events); // 59 s after the last message

            clock.advance(2, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(2)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.closes.get(id).get(0);
            assertThat(info.reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
            // Simulated silence: 61 s since "still here", give or take the real milliseconds that passed.
            assertThat(info.silentFor()).isBetween(Duration.ofSeconds(61), Duration.ofSeconds(62));
        }
    }

    @Test
    void serverPingAndPingTimeoutFollowTheServersTicker() throws Exception {
        MockTicker clock = Ticker.newMockTicker();
        Recorder events = new Recorder();
        ServerConfig config = ServerConfig.builder().port(0).workerNum(1).serverPingInterval(Duration.ofSeconds(20))
                .serverPingTimeout(Duration.ofSeconds(10)).build();
        try (TetherServer server = TetherServer.builder().config(config).handler(events).ticker(clock).build().start();
             TestClient c = TestClient.frame(server)) {
            await().until(() -> events.connects.size() == 1);
            long id = events.connects.get(0);
            clock.advance(21, TimeUnit.SECONDS);
            assertThat(c.readFrame()).as("pinged after 20 s of simulated silence")
                    .isInstanceOf(io.tether.core.protocol.Frame.Ping.class);
            clock.advance(9, TimeUnit.SECONDS);
            stillOpenFor200Ms(events); // 9 s into a 10 s ping timeout
            clock.advance(2, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(2)).until(() -> events.closes.containsKey(id));
            assertThat(events.closes.get(id).get(0).reason()).isEqualTo(CloseReason.PING_TIMEOUT);
        }
    }

    /** Nothing closes during 200 ms of real time (20 wheel ticks), however the simulated clock stands. */
    private static void stillOpenFor200Ms(Recorder events) {
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> events.closes.isEmpty());
    }
}
