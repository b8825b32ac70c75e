package io.tether.server;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.time.Duration;

/** Health checks for tests. */
final class TestChecks {
    private TestChecks() {
    }

    /** A healthy dependency named {@code name} that takes {@code millis} to answer. */
    static HealthCheck slow(String name, long millis) {
        return new HealthCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthResult check(Duration timeout) throws Exception {
                Thread.sleep(millis);
                return HealthResult.ok();
            }
        };
    }
}
