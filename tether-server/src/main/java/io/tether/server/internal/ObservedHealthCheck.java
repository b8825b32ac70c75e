package io.tether.server.internal;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import io.tether.server.spi.ServerObserver;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A health check whose every run is reported to the server's observer, with its duration. Wraps
 * the application's checks only when an observer is set, so {@link HealthMonitor} stays unaware.
 * A check that throws is reported as failed the way {@link HealthMonitor} counts it, then the
 * exception goes on.
 */
public final class ObservedHealthCheck implements HealthCheck {
    private final HealthCheck check;
    private final ServerObserver observer;

    private ObservedHealthCheck(HealthCheck check, ServerObserver observer) {
        this.check = check;
        this.observer = observer;
    }

    /** {@code check} itself when nothing observes, else a reporting wrapper. */
    public static HealthCheck wrap(HealthCheck check, ServerObserver observer) {
        return observer == ServerObserver.NONE ? check : new ObservedHealthCheck(check, observer);
    }

    @Override
    public String name() {
        return check.name();
    }

    @Override
    public HealthResult check(Duration timeout) throws Exception {
        long start = System.nanoTime();
        HealthResult result = null;
        try {
            result = check.check(timeout);
            return result;
        } catch (TimeoutException e) {
            result = HealthResult.failed("timed out");
            throw e;
        } catch (Exception e) {
            result = HealthResult.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
            throw e;
        } finally {
            observer.healthChecked(check.name(), result == null ? HealthResult.failed("check returned nothing") : result,
                    System.nanoTime() - start);
        }
    }
}
