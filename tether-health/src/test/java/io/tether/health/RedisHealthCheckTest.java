package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisURI;
import io.tether.health.fixture.LineServer;
import io.tether.health.fixture.OpenSockets;
import io.tether.health.fixture.Timing;
import io.tether.health.fixture.Timing.Timed;
import io.tether.server.health.HealthResult;
import io.tether.testkit.process.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisHealthCheckTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Allowed lateness past the timeout: 2 cores shared with other builds (load average reached 10). */
    private static final Duration TOLERANCE = Duration.ofMillis(500);
    /** For checks expected to pass: generous, because the first Lettuce connect on a loaded machine is slow. */
    private static final Duration UP = Duration.ofSeconds(5);

    private static RedisHealthCheck check(int port, KeepAliveMode mode) {
        return new RedisHealthCheck("redis", RedisBackend.start("redis", RedisURI.create("redis://127.0.0.1:" + port), mode));
    }

    @Test
    void redisStoppedIsUnhealthyWithinTimeoutAndHealthyAgainWhenItComesBack() throws Exception {
        try (RedisServer redis = RedisServer.start(2);
                RedisHealthCheck check = check(redis.port(), KeepAliveMode.HEARTBEAT)) {
            HealthResult up = check.check(UP);
            assertThat(up.healthy()).as(up.detail()).isTrue();

            redis.stopProcess();
            Timed<HealthResult> down = Timing.time(() -> check.check(TIMEOUT));
            assertThat(down.value().healthy()).isFalse();
            assertThat(down.elapsed()).isLessThanOrEqualTo(TIMEOUT.plus(TOLERANCE));
            for (int i = 0; i < 20; i++) {
                assertThat(check.check(TIMEOUT).healthy()).isFalse();
            }
            assertThat(OpenSockets.toPort(redis.port())).as("21 failed checks hold no socket").isZero();

            redis.startProcess(); // same port, same check object, no restart of anything else
            await("healthy again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> check.check(UP).healthy());
            assertThat(OpenSockets.toPort(redis.port())).as("exactly the one kept-alive connection").isEqualTo(1);
            assertThat(check.backend().connectionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void hungRedisIsUnhealthyWithinTimeoutAndCostsAtMostOneSocket() throws Exception {
        // Accepts TCP and never answers: Lettuce's handshake hangs (until the URI timeout, 5 s).
        try (LineServer hung = LineServer.silent()) {
            RedisHealthCheck check = check(hung.port(), KeepAliveMode.RECONNECT_ON_USE);
            try {
                Timed<HealthResult> r = Timing.time(() -> check.check(TIMEOUT));
                assertThat(r.value().healthy()).isFalse();
                assertThat(r.value().detail()).isEqualTo("no connection to redis redis within 500 ms");
                assertThat(r.elapsed()).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plus(TOLERANCE));

                for (int i = 0; i < 10; i++) {
                    assertThat(check.check(Duration.ofMillis(100)).healthy()).isFalse();
                    assertThat(OpenSockets.toPort(hung.port())).as("one connect in flight at most").isLessThanOrEqualTo(1);
                }
            } finally {
                check.close();
            }
            await("socket released on close").atMost(Duration.ofSeconds(3)).until(() -> OpenSockets.toPort(hung.port()) == 0);
        }
    }
}
