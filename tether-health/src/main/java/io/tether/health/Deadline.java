package io.tether.health;

import java.time.Duration;

/** A point on the monotonic clock by which a check must have answered. */
final class Deadline {
    private final long endNanos;
    private final Duration budget;

    private Deadline(Duration budget) {
        this.budget = budget;
        this.endNanos = System.nanoTime() + budget.toNanos();
    }

    static Deadline in(Duration budget) {
        return new Deadline(budget);
    }

    Duration budget() {
        return budget;
    }

    /** Time left, never negative. */
    long remainingMillis() {
        return Math.max(0, (endNanos - System.nanoTime()) / 1_000_000);
    }

    long remainingNanos() {
        return Math.max(0, endNanos - System.nanoTime());
    }

    boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }
}
