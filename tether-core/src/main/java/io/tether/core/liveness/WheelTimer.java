package io.tether.core.liveness;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Advances a {@link DeadlineWheel} from one one-shot timer on its owner's executor, armed for the
 * wheel's next occupied tick ({@link DeadlineWheel#nextDueNanos()}) and for nothing when the wheel
 * is empty: a wheel of silent connections that are not due wakes its thread once per due slot,
 * not a hundred times a second.
 *
 * <p>The timer only ever moves earlier: {@link #schedule} re-arms it when an entry lands in a slot
 * before the armed one (a new connection with a shorter deadline, a soft-limit look). A read moves
 * no deadline (it only stamps the entry), and a cancel leaves the timer as it is: it wakes once,
 * finds nothing due, and arms for what is next.
 *
 * <p>When the wheel's clock is not the executor's (a simulated ticker in tests), a delay on one
 * says nothing about the other: the timer then polls every tick while anything is on the wheel.
 *
 * <p>Not thread safe: every method runs on the executor's thread, the wheel's owner.
 */
public final class WheelTimer<E extends DeadlineWheel.Entry> {
    private final DeadlineWheel<E> wheel;
    private final ScheduledExecutorService executor;
    private final LongSupplier clock;
    private final boolean executorsClock;
    private final Runnable fire = this::fire;
    private ScheduledFuture<?> armed;
    /** When the armed timer fires, on {@link #clock}; meaningful while {@link #armed} is set. */
    private long armedAt;
    private boolean advancing;
    private volatile long wakeUps; // written on the owner thread only; read by tests

    /**
     * @param executor       the wheel's owner thread, where the timer runs
     * @param clock          the wheel's nanoTime
     * @param executorsClock true when {@code clock} is the one the executor's delays are counted on
     *                       (System.nanoTime for a JDK executor, the loop's ticker for a Netty one)
     */
    public WheelTimer(DeadlineWheel<E> wheel, ScheduledExecutorService executor, LongSupplier clock, boolean executorsClock) {
        this.wheel = wheel;
        this.executor = executor;
        this.clock = clock;
        this.executorsClock = executorsClock;
    }

    public DeadlineWheel<E> wheel() {
        return wheel;
    }

    /** {@link DeadlineWheel#schedule}, then makes sure the timer fires by the entry's slot. */
    public void schedule(E entry, long dueNanos) {
        wheel.schedule(entry, dueNanos);
        arm();
    }

    /** {@link DeadlineWheel#cancel}; the timer stays as it is (at most one wake-up that finds nothing). */
    public void cancel(E entry) {
        wheel.cancel(entry);
    }

    /**
     * Arms the timer for the wheel's next occupied tick if it is not armed by then; cancels it when
     * the wheel is empty. Call after scheduling on {@link #wheel()} directly. Inside the wheel's
     * own advance it does nothing: the timer arms once that advance is over.
     */
    public void arm() {
        if (advancing) {
            return;
        }
        long next = wheel.nextDueNanos();
        if (next == DeadlineWheel.NONE) {
            disarm();
            return;
        }
        long now = clock.getAsLong();
        if (!executorsClock) {
            next = now + wheel.tickNanos(); // a foreign clock may jump: look every tick
            if (armed != null) {
                return;
            }
        } else if (armed != null) {
            if (armedAt - next <= 0) {
                return; // fires in time already
            }
            armed.cancel(false);
        }
        armedAt = next;
        armed = executor.schedule(fire, Math.max(0, next - now), TimeUnit.NANOSECONDS);
    }

    /** Cancels the timer (the owner is shutting down, or the wheel is empty). */
    public void disarm() {
        if (armed != null) {
            armed.cancel(false);
            armed = null;
        }
    }

    /** How many times the timer has fired: the owner thread's wake-ups for this wheel. */
    public long wakeUps() {
        return wakeUps;
    }

    /** True while a timer is armed; for tests and diagnostics. */
    public boolean isArmed() {
        return armed != null;
    }

    private void fire() {
        armed = null;
        wakeUps++;
        advancing = true;
        try {
            wheel.advance(clock.getAsLong());
        } finally {
            advancing = false;
            arm();
        }
    }
}
