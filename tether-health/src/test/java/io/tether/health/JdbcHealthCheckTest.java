package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.health.fixture.LineServer;
import io.tether.health.fixture.MariaDbServer;
import io.tether.health.fixture.OpenSockets;
import io.tether.health.fixture.Timing;
import io.tether.health.fixture.Timing.Timed;
import io.tether.server.health.HealthResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JdbcHealthCheckTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Allowed lateness past the timeout: 2 cores shared with other builds (load average reached 10). */
    private static final Duration TOLERANCE = Duration.ofMillis(500);
    private static final int POOL = 2;
    /** For checks expected to pass: generous, so a loaded machine cannot turn them into timeouts. */
    private static final Duration UP = Duration.ofSeconds(5);

    private static JdbcHealthCheck check(String url) {
        return new JdbcHealthCheck("mariadb",
                SqlBackend.start("mariadb", url, "root", "", KeepAliveMode.HEARTBEAT, POOL, Duration.ofSeconds(2)));
    }

    @Test
    void databaseStoppedIsUnhealthyWithinTimeoutAndHealthyAgainWhenItComesBack() throws Exception {
        try (MariaDbServer db = MariaDbServer.start(2); JdbcHealthCheck check = check(db.url())) {
            HealthResult up = check.check(UP);
            assertThat(up.healthy()).as(up.detail()).isTrue();

            db.stopProcess();
            Timed<HealthResult> down = Timing.time(() -> check.check(TIMEOUT));
            assertThat(down.value().healthy()).isFalse();
            assertThat(down.elapsed()).isLessThanOrEqualTo(TIMEOUT.plus(TOLERANCE));
            for (int i = 0; i < 10; i++) {
                assertThat(check.check(TIMEOUT).healthy()).isFalse();
            }
            assertThat(check.backend().poolStats().getTotalConnections()).as("no pooled connection to a stopped server").isZero();
            assertThat(OpenSockets.toPort(db.port())).as("11 failed checks hold no socket").isZero();

            db.startProcess(); // same port, same pool
            await("healthy again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> check.check(UP).healthy());
            assertThat(check.backend().poolStats().getTotalConnections()).isBetween(1, POOL);
            assertThat(OpenSockets.toPort(db.port())).isBetween(1, POOL);
        }
    }

    @Test
    void hungDatabaseIsUnhealthyWithinTimeoutAndConnectionsStayBounded() throws Exception {
        // Accepts TCP and never sends the MariaDB handshake.
        try (LineServer hung = LineServer.silent()) {
            JdbcHealthCheck check = check("jdbc:mariadb://127.0.0.1:" + hung.port() + "/app");
            try {
                Timed<HealthResult> r = Timing.time(() -> check.check(TIMEOUT));
                assertThat(r.value().healthy()).isFalse();
                assertThat(r.elapsed()).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plus(TOLERANCE));

                for (int i = 0; i < 10; i++) {
                    assertThat(check.check(Duration.ofMillis(100)).healthy()).isFalse();
                    assertThat(OpenSockets.toPort(hung.port())).as("bounded by the pool size").isLessThanOrEqualTo(POOL);
                }
            } finally {
                check.close();
            }
            await("sockets released on close").atMost(Duration.ofSeconds(5)).until(() -> OpenSockets.toPort(hung.port()) == 0);
        }
    }
}
