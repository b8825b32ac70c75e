package io.tether.health;

import java.time.Duration;

/**
 * Chooses how often to heartbeat a backend connection from the backend's idle limit.
 *
 * <p>Half the limit leaves a whole half-period of slack for a late tick (GC pause, busy scheduler)
 * and for the backend's coarse clock: Redis compares idle time in whole seconds, so a client can be
 * dropped anywhere from {@code timeout} to {@code timeout + 1} seconds after its last command. The
 * period is bounded: never below {@link #MIN} (a backend with a sub-second limit is misconfigured, and
 * pinging faster only burns it), never above {@link #MAX} (NAT tables and firewalls drop idle flows
 * long before MySQL's default 8 hours, so a connection should not sit silent longer than this
 * anyway). A backend without a limit (Redis {@code timeout 0}) gets {@link #MAX} for the same reason.
 */
public final class KeepAlivePeriod {
    /** Shortest period chosen. */
    public static final Duration MIN = Duration.ofMillis(250);
    /** Longest period chosen, and the period when the backend has no idle limit. */
    public static final Duration MAX = Duration.ofSeconds(60);

    private KeepAlivePeriod() {
    }

    /**
     * The heartbeat period for a backend that closes connections idle longer than {@code limit}.
     *
     * @param limit the backend's idle limit; zero or negative means it has none
     */
    public static Duration forLimit(Duration limit) {
        if (limit.isZero() || limit.isNegative()) {
            return MAX;
        }
        Duration half = limit.dividedBy(2);
        if (half.compareTo(MIN) < 0) {
            return MIN;
        }
        return half.compareTo(MAX) > 0 ? MAX : half;
    }

    /** Why {@link #forLimit} chose what it chose, for the one log line: {@code half the limit}. */
    public static String reason(Duration limit) {
        if (limit.isZero() || limit.isNegative()) {
            return "no idle limit, so the " + seconds(MAX) + " ceiling that keeps NATs and firewalls from dropping the flow";
        }
        Duration half = limit.dividedBy(2);
        if (half.compareTo(MIN) < 0) {
            return "half the limit, raised to the " + seconds(MIN) + " floor";
        }
        if (half.compareTo(MAX) > 0) {
            return "half the limit, capped at " + seconds(MAX);
        }
        return "half the limit";
    }

    /** 1500 ms -> "1.5 s", 2000 ms -> "2 s", 250 ms -> "250 ms". */
    public static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? (ms / 1000) + " s" : (ms / 1000.0) + " s";
    }
}
