package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.health.fixture.Blackhole;
import io.tether.health.fixture.LineServer;
import io.tether.health.fixture.OpenSockets;
import io.tether.health.fixture.Timing;
import io.tether.health.fixture.Timing.Timed;
import io.tether.server.health.HealthResult;
import io.tether.testkit.process.FreePort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TcpHealthCheckTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** Allowed lateness past the timeout: 2 cores shared with other builds (load average reached 10). */
    private static final Duration TOLERANCE = Duration.ofMillis(500);

    @Test
    void listeningPortIsHealthy() throws Exception {
        try (LineServer server = LineServer.silent()) {
            HealthResult r = new TcpHealthCheck("svc", new HostPort("127.0.0.1", server.port())).check(Duration.ofSeconds(5));
            assertThat(r.healthy()).as(r.detail()).isTrue();
        }
    }

    @Test
    void refusedPortIsUnhealthyAtOnce() throws Exception {
        int port = FreePort.pick();
        Timed<HealthResult> r = Timing.time(() -> new TcpHealthCheck("svc", new HostPort("127.0.0.1", port)).check(Duration.ofSeconds(5)));
        assertThat(r.value().healthy()).isFalse();
        assertThat(r.value().detail()).contains("127.0.0.1:" + port).containsIgnoringCase("refused");
        assertThat(r.elapsed()).as("a refusal needs no timeout").isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void blackholedPortIsUnhealthyWithinTimeoutAndLeavesNoSocket() throws Exception {
        try (Blackhole hole = new Blackhole()) {
            TcpHealthCheck check = new TcpHealthCheck("svc", new HostPort("127.0.0.1", hole.port()));
            int before = OpenSockets.toPort(hole.port());
            assertThat(before).isEqualTo(hole.fillerCount());

            Timed<HealthResult> r = Timing.time(() -> check.check(TIMEOUT));
            assertThat(r.value().healthy()).isFalse();
            assertThat(r.value().detail()).isEqualTo("no connection to 127.0.0.1:" + hole.port() + " within 300 ms");
            // It did wait (the connect hung) and gave up on time: [timeout - 50 ms, timeout + tolerance].
            assertThat(r.elapsed()).isBetween(TIMEOUT.minusMillis(50), TIMEOUT.plus(TOLERANCE));

            for (int i = 0; i < 10; i++) {
                assertThat(check.check(Duration.ofMillis(50)).healthy()).isFalse();
            }
            assertThat(OpenSockets.toPort(hole.port())).as("no socket left behind by 11 timed-out checks").isEqualTo(before);
        }
    }
}
