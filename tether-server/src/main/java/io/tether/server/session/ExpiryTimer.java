package io.tether.server.session;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.liveness.WheelTimer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends detached sessions when their resume window runs out. One thread for the whole server owns a
 * {@link DeadlineWheel} of sessions (a resumable session's {@link Resumption} is its intrusive
 * entry): a detach costs one task hand-off, no scheduled task per session, and the thread sleeps
 * while no window runs out: its {@link WheelTimer} is armed for the next due expiry only, and for
 * nothing while no session is detached.
 * The wheel visits a session at most one tick (window / 20, 1 to 100 ms) after its expiry; the
 * session itself decides, under its lock, whether it is still detached and due.
 */
final class ExpiryTimer {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    private final ScheduledExecutorService thread;
    private final WheelTimer<Resumption> timer;

    ExpiryTimer(long windowNanos) {
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(TimeUnit.MILLISECONDS.toNanos(100), windowNanos / 20));
        this.thread = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tether-sessions", true));
        DeadlineWheel<Resumption> wheel = new DeadlineWheel<>(tick, windowNanos, System.nanoTime(), ExpiryTimer::expire);
        this.timer = new WheelTimer<>(wheel, thread, System::nanoTime, true);
    }

    /** One session's expiry; a failure is logged and drops only that session from the wheel. */
    private static long expire(Resumption r, long now) {
        try {
            return r.expiryDue(now);
        } catch (RuntimeException e) {
            log.warn("session expiry failed", e);
            return DeadlineWheel.NONE;
        }
    }

    /** Visit the session of {@code r} at {@code dueNanos}; moves it if it is already on the wheel. */
    void schedule(Resumption r, long dueNanos) {
        try {
            thread.execute(() -> timer.schedule(r, dueNanos));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shut down: SessionManager.shutdown() ends every session itself
        }
    }

    /** For tests: how often the thread woke to look at the wheel. */
    long wakeUps() {
        return timer.wakeUps();
    }

    void close() {
        thread.shutdownNow();
    }
}
