package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.health.fixture.LineServer;
import io.tether.health.fixture.OpenSockets;
import io.tether.health.fixture.Timing;
import io.tether.health.fixture.Timing.Timed;
import io.tether.server.health.HealthResult;
import io.tether.testkit.process.FreePort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Against stand-in peers speaking the line protocol; the real-server test is TetherServerHealthTest. */
class TetherHealthCheckTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** Allowed lateness past the timeout: 2 cores shared with other builds (load average reached 10). */
    private static final Duration TOLERANCE = Duration.ofMillis(500);
    /** For tests about what the peer answers, not when: generous, so a loaded machine cannot turn them into timeouts. */
    private static final Duration ANSWER = Duration.ofSeconds(5);

    private static HealthResult checkAgainst(LineServer server, Duration timeout) {
        return new TetherHealthCheck("peer", new HostPort("127.0.0.1", server.port())).check(timeout);
    }

    @Test
    void pongIsHealthy() throws Exception {
        try (LineServer server = LineServer.replying("pong")) {
            HealthResult r = checkAgainst(server, ANSWER);
            assertThat(r.healthy()).as(r.detail()).isTrue();
        }
    }

    @Test
    void pongUnhealthyIsUnhealthyAndSaysWhich() throws Exception {
        try (LineServer server = LineServer.replying("pong unhealthy mariadb,redis")) {
            HealthResult r = checkAgainst(server, ANSWER);
            assertThat(r.healthy()).isFalse();
            assertThat(r.detail()).isEqualTo("unhealthy mariadb,redis");
        }
    }

    @Test
    void somethingElseIsUnhealthy() throws Exception {
        try (LineServer server = LineServer.replying("-ERR unknown command 'ping'")) {
            HealthResult r = checkAgainst(server, ANSWER);
            assertThat(r.healthy()).isFalse();
            assertThat(r.detail()).startsWith("expected pong, got '-ERR");
        }
    }

    @Test
    void refusedIsUnhealthy() {
        HealthResult r = new TetherHealthCheck("peer", new HostPort("127.0.0.1", FreePort.pick())).check(ANSWER);
        assertThat(r.healthy()).isFalse();
        assertThat(r.detail()).containsIgnoringCase("refused");
    }

    @Test
    void silentPeerIsUnhealthyWithinTimeoutAndLeavesNoSocket() throws Exception {
        try (LineServer server = LineServer.silent()) {
            Timed<HealthResult> r = Timing.time(() -> checkAgainst(server, TIMEOUT));
            assertThat(r.value().healthy()).isFalse();
            assertThat(r.value().detail()).isEqualTo("no pong from 127.0.0.1:" + server.port() + " within 300 ms");
            assertThat(r.elapsed()).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plus(TOLERANCE));

            for (int i = 0; i < 10; i++) {
                assertThat(checkAgainst(server, Duration.ofMillis(50)).healthy()).isFalse();
            }
            await("every check connected").atMost(Duration.ofSeconds(2)).until(() -> server.acceptedCount() == 11);
            assertThat(OpenSockets.toPort(server.port())).as("and closed its socket").isZero();
        }
    }

    @Test
    void interpretsPongLines() {
        assertThat(TetherHealthCheck.interpret("pong").healthy()).isTrue();
        assertThat(TetherHealthCheck.interpret("pong\r").healthy()).isTrue();
        assertThat(TetherHealthCheck.interpret("pong unhealthy redis")).isEqualTo(HealthResult.failed("unhealthy redis"));
        assertThat(TetherHealthCheck.interpret(null).healthy()).isFalse();
        assertThat(TetherHealthCheck.interpret("notice too many pings").healthy()).isFalse();
    }
}
