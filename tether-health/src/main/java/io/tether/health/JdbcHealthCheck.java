package io.tether.health;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A SQL database is healthy when a pooled connection answers {@link Connection#isValid} (a protocol
 * ping in MariaDB Connector/J) within the timeout.
 *
 * <p>JDBC calls cannot be cut short by the caller, so the probe runs on this check's own thread
 * and the caller stops waiting at the timeout. Only one probe runs at a time: while a slow one is
 * still bounded by the pool's connection timeout, further checks answer "still running" instead of
 * piling up threads and connections on a hanging database.
 */
public final class JdbcHealthCheck implements HealthCheck, AutoCloseable {
    private final String name;
    private final SqlBackend backend;
    private final ExecutorService prober;
    private Future<Boolean> running; // guarded by this

    public JdbcHealthCheck(String name, SqlBackend backend) {
        this.name = Objects.requireNonNull(name, "name");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.prober = Executors.newSingleThreadExecutor(DaemonThreads.named("tether-sql-check-" + name));
    }

    @Override
    public String name() {
        return name;
    }

    public SqlBackend backend() {
        return backend;
    }

    @Override
    public HealthResult check(Duration timeout) {
        Future<Boolean> probe;
        synchronized (this) {
            if (running != null && !running.isDone()) {
                return HealthResult.failed("the previous check of " + name + " has not finished");
            }
            int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000); // isValid takes whole seconds
            probe = prober.submit(() -> {
                try (Connection c = backend.dataSource().getConnection()) {
                    return c.isValid(seconds);
                }
            });
            running = probe;
        }
        try {
            return probe.get(timeout.toNanos(), TimeUnit.NANOSECONDS) ? HealthResult.ok()
                    : HealthResult.failed("connection to " + name + " is not valid");
        } catch (TimeoutException e) {
            return HealthResult.failed("no answer from " + name + " within " + KeepAlivePeriod.seconds(timeout));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return HealthResult.failed(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthResult.failed("interrupted");
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
        backend.close();
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
