package io.tether.core.backoff;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * An immutable exponential backoff policy with jitter: how long to wait before each reconnect
 * attempt of one outage. {@link #start()} gives the per-outage {@link Sequence}.
 *
 * <p>Why jitter: when a server restarts, every client loses its connection in the same
 * millisecond. Without jitter they all come back in the same millisecond too, after every
 * backoff step. Jitter spreads them over the window. Two kinds (see the AWS Architecture Blog,
 * "Exponential Backoff And Jitter"):
 * <ul>
 *   <li>{@link Jitter#FULL} (the default): attempt {@code n} (1-based) waits a uniform random time in
 *       {@code [0, min(max, initial * multiplier^(n-1))]}. Best spread; the first attempt may come
 *       almost at once.</li>
 *   <li>{@link Jitter#DECORRELATED}: waits {@code min(max, uniform(initial, previous * 3))}, starting
 *       from {@code previous = initial}; never shorter than {@code initial}. The multiplier is not used.</li>
 *   <li>{@link Jitter#NONE}: exactly {@code min(max, initial * multiplier^(n-1))}; for tests and
 *       for the comparison that shows why jitter matters.</li>
 * </ul>
 * {@code maxAttempts} = 0 means keep trying forever.
 */
public final class Backoff {

    /** How the random part of the delay is drawn; see the class comment. */
    public enum Jitter { NONE, FULL, DECORRELATED }

    private final Duration initial;
    private final Duration max;
    private final double multiplier;
    private final int maxAttempts;
    private final Jitter jitter;

    private Backoff(Builder b) {
        if (b.initial.isNegative() || b.initial.isZero()) {
            throw new IllegalArgumentException("backoff initial must be > 0, got " + b.initial);
        }
        if (b.max.compareTo(b.initial) < 0) {
            throw new IllegalArgumentException("backoff max (" + b.max + ") must be >= initial (" + b.initial + ")");
        }
        if (!(b.multiplier >= 1.0) || Double.isInfinite(b.multiplier)) {
            throw new IllegalArgumentException("backoff multiplier must be a finite number >= 1, got " + b.multiplier);
        }
        if (b.maxAttempts < 0) {
            throw new IllegalArgumentException("backoff maxAttempts must be >= 0 (0 = unlimited), got " + b.maxAttempts);
        }
        this.initial = b.initial;
        this.max = b.max;
        this.multiplier = b.multiplier;
        this.maxAttempts = b.maxAttempts;
        this.jitter = Objects.requireNonNull(b.jitter, "jitter");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** 500 ms initial, 30 s max, multiplier 2, unlimited attempts, full jitter. */
    public static Backoff defaults() {
        return builder().build();
    }

    public Duration initial() { return initial; }
    public Duration max() { return max; }
    public double multiplier() { return multiplier; }
    public int maxAttempts() { return maxAttempts; }
    public Jitter jitter() { return jitter; }

    /** The upper bound of attempt {@code n}'s delay (1-based), before jitter: {@code min(max, initial * multiplier^(n-1))}. */
    public long ceilingNanos(int attempt) {
        double c = initial.toNanos() * Math.pow(multiplier, Math.max(0, attempt - 1));
        return (long) Math.min(c, (double) max.toNanos());
    }

    /** A fresh sequence for one outage, drawing from {@link ThreadLocalRandom}. */
    public Sequence start() {
        return new Sequence(this, null);
    }

    /** A fresh sequence drawing from {@code random} (seed it for repeatable tests). */
    public Sequence start(RandomGenerator random) {
        return new Sequence(this, Objects.requireNonNull(random, "random"));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Backoff{initial %d ms, max %d ms, x%.2f, %s, jitter %s}", initial.toMillis(),
                max.toMillis(), multiplier, maxAttempts == 0 ? "unlimited attempts" : maxAttempts + " attempts",
                jitter.name().toLowerCase(Locale.ROOT));
    }

    /**
     * The delays of one outage, attempt by attempt. Not thread safe: one owner (the client's
     * event loop) draws from it.
     */
    public static final class Sequence {
        private final Backoff policy;
        private final RandomGenerator random;
        private int attempts;
        private long previousNanos;

        private Sequence(Backoff policy, RandomGenerator random) {
            this.policy = policy;
            this.random = random;
            this.previousNanos = policy.initial.toNanos();
        }

        /** Attempts drawn so far. */
        public int attempts() {
            return attempts;
        }

        /** True when {@code maxAttempts} delays have been drawn already. */
        public boolean exhausted() {
            return policy.maxAttempts > 0 && attempts >= policy.maxAttempts;
        }

        /**
         * The delay before the next attempt, in nanoseconds, or -1 when {@code maxAttempts} are used
         * up (the caller gives up).
         */
        public long nextDelayNanos() {
            if (exhausted()) {
                return -1;
            }
            attempts++;
            RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
            long cap = policy.max.toNanos();
            switch (policy.jitter) {
                case NONE:
                    return policy.ceilingNanos(attempts);
                case FULL:
                    return (long) (r.nextDouble() * policy.ceilingNanos(attempts));
                case DECORRELATED: {
                    long lo = policy.initial.toNanos();
                    long hi = (long) Math.min((double) cap, previousNanos * 3.0);
                    long d = hi <= lo ? lo : lo + (long) (r.nextDouble() * (hi - lo));
                    previousNanos = Math.min(cap, d);
                    return previousNanos;
                }
                default:
                    throw new IllegalStateException(String.valueOf(policy.jitter));
            }
        }

        /** {@link #nextDelayNanos()} as a Duration, or null when exhausted. */
        public Duration nextDelay() {
            long n = nextDelayNanos();
            return n < 0 ? null : Duration.ofNanos(n);
        }
    }

    /** Collects a policy; {@link #build()} checks it. */
    public static final class Builder {
        private Duration initial = Duration.ofMillis(500);
        private Duration max = Duration.ofSeconds(30);
        private double multiplier = 2.0;
        private int maxAttempts;
        private Jitter jitter = Jitter.FULL;

        private Builder() {
        }

        /** Ceiling of the first delay (full jitter) or its floor (decorrelated). Default 500 ms. */
        public Builder initial(Duration v) { initial = Objects.requireNonNull(v, "initial"); return this; }
        /** No delay is longer than this. Default 30 s. */
        public Builder max(Duration v) { max = Objects.requireNonNull(v, "max"); return this; }
        /** Growth of the ceiling per attempt. Default 2. */
        public Builder multiplier(double v) { multiplier = v; return this; }
        /** Attempts per outage before giving up; 0 (default) never gives up. */
        public Builder maxAttempts(int v) { maxAttempts = v; return this; }
        /** Default {@link Jitter#FULL}. */
        public Builder jitter(Jitter v) { jitter = v; return this; }

        public Backoff build() {
            return new Backoff(this);
        }
    }
}
