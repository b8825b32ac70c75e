package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The event loop wakes for its deadline wheel only when a deadline is due, not every tick: silent
 * connections whose idle deadline is far cost no wake-up, and each is still closed within one tick
 * of its deadline. Lateness is read from the close itself ({@link CloseInfo#silentFor()}, on the
 * server's clock at the moment the wheel judged it): bound idle to idle + 10 ms tick + 250 ms for a
 * loaded machine.
 */
class DeadlineTimerTest {

    @Test
    void silentConnectionsWakeTheLoopOnlyWhenTheirDeadlineIsDue() throws Exception {
        Recorder events = new Recorder();
        ServerConfig config = ServerConfig.builder().port(0).workerNum(1).heartbeatIdleTime(Duration.ofMillis(1500)).build();
        List<TestClient> clients = new ArrayList<>();
        try (TetherServer server = TetherServer.builder().config(config).handler(events).build().start()) {
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> server.wheelWakeUps() == 0);
            for (int i = 0; i < 20; i++) {
                clients.add(TestClient.line(server));
            }
            await().until(() -> events.connects.size() == 20);
            // 20 deadlines 1.5 s away: nothing to do for the loop for most of that time (fixed-rate ticking: 100 wake-ups/s).
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(() -> server.wheelWakeUps() == 0);

            await().atMost(Duration.ofSeconds(10)).until(() -> events.closeCount() == 20);
            for (long id : events.connects) {
                CloseInfo info = events.onlyClose(id);
                assertThat(info.reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
                assertThat(info.silentFor()).isBetween(Duration.ofMillis(1500), Duration.ofMillis(1500 + 10 + 250));
            }
            // One wake-up per tick in which a deadline fell (the clients connected within a few ticks), plus a spare.
            assertThat(server.wheelWakeUps()).isLessThanOrEqualTo(20 + 1);
        } finally {
            for (TestClient c : clients) {
                c.close();
            }
        }
    }
}
