package io.tether.server.internal;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthReport;
import io.tether.server.health.HealthResult;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the registered health checks for pongs. One round at a time: pings that arrive while a
 * round runs share its result, and a finished round answers pings for {@code cacheTime}, so a ping
 * storm costs each dependency at most one check per cache period. Checks run on their own
 * threads; event loops only ever attach to the returned future.
 *
 * <p>Every event loop asks on every ping, so asking takes no lock: the current round is one
 * immutable object read from a volatile field, and the loop that finds it stale installs the next
 * one with a compare-and-set (the losers take the winner's). With no checks registered a ping
 * need not ask at all ({@link #hasChecks()}).
 */
public final class HealthMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    private static final VarHandle CURRENT;

    static {
        try {
            CURRENT = MethodHandles.lookup().findVarHandle(HealthMonitor.class, "current", Round.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One round of checks: its result, once done, and when it started (the cache time runs from then). */
    private record Round(CompletableFuture<HealthReport> report, long startedAt) {
    }

    private final List<HealthCheck> checks;
    private final long cacheNanos;
    private final Duration timeout;
    private final ExecutorService executor;
    private final CompletableFuture<HealthReport> alwaysHealthy;
    @SuppressWarnings("unused") // through CURRENT
    private volatile Round current;

    public HealthMonitor(List<HealthCheck> checks, Duration cacheTime, Duration timeout) {
        this.checks = List.copyOf(checks);
        this.cacheNanos = cacheTime.toNanos();
        this.timeout = timeout;
        this.executor = checks.isEmpty() ? null : Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tether-health");
            t.setDaemon(true);
            return t;
        });
        this.alwaysHealthy = CompletableFuture.completedFuture(new HealthReport(Map.of(), System.nanoTime()));
    }

    public boolean hasChecks() {
        return !checks.isEmpty();
    }

    /** The latest report, running the checks when the cached one is older than the cache time. */
    public CompletableFuture<HealthReport> report() {
        if (checks.isEmpty()) {
            return alwaysHealthy;
        }
        for (;;) {
            Round r = current;
            long now = System.nanoTime();
            if (r != null && (!r.report().isDone() || now - r.startedAt() < cacheNanos)) {
                return r.report();
            }
            Round next = new Round(new CompletableFuture<>(), now);
            if (CURRENT.compareAndSet(this, r, next)) {
                try {
                    runAll(now).whenComplete((report, e) -> {
                        if (e == null) {
                            next.report().complete(report);
                        } else {
                            next.report().completeExceptionally(e);
                        }
                    });
                } catch (RuntimeException e) { // the executor refused: closed with the server
                    next.report().completeExceptionally(e);
                }
                return next.report();
            }
            // Another loop started a round meanwhile: take that one.
        }
    }

    private CompletableFuture<HealthReport> runAll(long startedAt) {
        Map<String, CompletableFuture<HealthResult>> running = new LinkedHashMap<>();
        for (HealthCheck check : checks) {
            CompletableFuture<HealthResult> f = CompletableFuture.supplyAsync(() -> runOne(check), executor)
                    .completeOnTimeout(HealthResult.failed("no answer within " + timeout.toMillis() + " ms"),
                            timeout.toNanos(), TimeUnit.NANOSECONDS);
            running.put(check.name(), f);
        }
        return CompletableFuture.allOf(running.values().toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            Map<String, HealthResult> results = new LinkedHashMap<>();
            running.forEach((name, f) -> results.put(name, f.join()));
            HealthReport report = new HealthReport(results, startedAt);
            if (!report.healthy()) {
                log.warn("health: {}", report.pongSuffix());
            }
            return report;
        });
    }

    private HealthResult runOne(HealthCheck check) {
        try {
            HealthResult r = check.check(timeout);
            return r == null ? HealthResult.failed("check returned nothing") : r;
        } catch (TimeoutException e) {
            return HealthResult.failed("timed out");
        } catch (Exception e) {
            return HealthResult.failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
