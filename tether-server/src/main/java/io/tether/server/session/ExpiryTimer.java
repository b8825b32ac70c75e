package io.tether.server.session;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.tether.core.liveness.DeadlineWheel;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends detached sessions when their resume window runs out. One thread for the whole server owns a
 * {@link DeadlineWheel} of sessions (a resumable session's {@link Resumption} is its intrusive
 * entry): a detach costs one task hand-off, no scheduled task per session, and a tick costs nothing
 * when no window runs out.
 * The wheel visits a session at most one tick (window / 20, 1 to 100 ms) after its expiry; the
 * session itself decides, under its lock, whether it is still detached and due.
 */
final class ExpiryTimer {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    private final ScheduledExecutorService thread;
    private final DeadlineWheel<Resumption> wheel;

    ExpiryTimer(long windowNanos) {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(TimeUnit.MILLISECONDS.toNanos(100), windowNanos / 20));
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tether-sessions", true));
        this.wheel = new DeadlineWheel<>(tick, windowNanos, System.nanoTime(), (r, now) -> r.expiryDue(now));
        thread.scheduleAtFixedRate(this::advance, tick, tick, TimeUnit.NANOSECONDS);
    }

    private void advance() {
        try {
            wheel.advance(System.nanoTime());
        } catch (RuntimeException e) {
            log.warn("session expiry sweep failed", e);
        }
    }

    /** Visit the session of {@code r} at {@code dueNanos}; moves it if it is already on the wheel. */
    void schedule(Resumption r, long dueNanos) {
        try {
            thread.execute(() -> wheel.schedule(r, dueNanos));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shut down: SessionManager.shutdown() ends every session itself
        }
    }

    void close() {
        thread.shutdownNow();
    }
}
