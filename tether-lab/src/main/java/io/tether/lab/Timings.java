package io.tether.lab;

/**
 * Every timeout the lab configures and every bound it judges against, in one place. {@link #QUICK}
 * keeps the whole matrix under three minutes; {@link #FULL} uses values closer to production.
 *
 * @param keepIdleS        tcp_keepidle, seconds
 * @param keepIntervalS    tcp_keepinterval, seconds
 * @param keepCount        tcp_keepcount
 * @param userTimeoutMs    tcp_user_timeout
 * @param idleMs           heartbeat_idle_time (idle deadline and client-ping settings)
 * @param serverPingMs     server_ping_interval
 * @param serverPingTimeoutMs server_ping_timeout
 * @param clientEveryMs    how often a live peer sends data or pings
 * @param warmupMs         normal operation before the fault, so every layer has run once
 * @param windowMs         how long after the fault the lab watches for a close
 * @param natTimeoutS      the middlebox's conntrack timeout for established TCP (scenario 7)
 * @param rebootMs         how long the rebooted client is off the network (scenario 6)
 * @param toleranceMs      fixed slack on every bound (process scheduling on a shared 2-core box)
 * @param tolerancePct     plus this percentage of the bound
 */
public record Timings(int keepIdleS, int keepIntervalS, int keepCount, long userTimeoutMs, long idleMs,
                      long serverPingMs, long serverPingTimeoutMs, long clientEveryMs, long warmupMs,
                      long windowMs, int natTimeoutS, long rebootMs, long toleranceMs, int tolerancePct) {

    public static final Timings QUICK = new Timings(1, 1, 2, 2000, 2000, 1000, 1000, 500, 1500, 7000, 2, 500, 1000, 10);
    public static final Timings FULL = new Timings(5, 2, 3, 8000, 10000, 5000, 5000, 2000, 6000, 30000, 8, 2000, 1000, 10);

    /**
     * The timings of the loss scenario (9): production-like timeouts whatever the mode, watched for
     * at least 20 s. Quick timeouts of 2 s are below what TCP needs to recover from four losses in
     * a row of one segment (200+400+800+1600 ms of backoff, p = 0.3^4 per segment): the lab measured
     * a false idle-deadline close in 1 of 8 quick runs with them, which says "too tight for 30 %
     * loss", not "broken".
     */
    public Timings forLoss() {
        Timings f = FULL;
        return new Timings(f.keepIdleS, f.keepIntervalS, f.keepCount, f.userTimeoutMs, f.idleMs, f.serverPingMs,
                f.serverPingTimeoutMs, f.clientEveryMs, warmupMs, Math.max(20_000, windowMs), f.natTimeoutS, f.rebootMs,
                f.toleranceMs, f.tolerancePct);
    }

    /** Keepalive's promise for a silent peer: first probe after idle, then count probes. */
    public long keepaliveBoundMs() {
        return (keepIdleS + (long) keepIntervalS * keepCount) * 1000L;
    }

    /**
     * How late past tcp_user_timeout the kernel may abort: it looks only when the retransmission
     * timer fires, and with exponential backoff the step around UT is about half of UT.
     */
    public long rtoStepAllowanceMs() {
        return userTimeoutMs / 2;
    }

    /** The slack allowed beyond {@code boundMs}. */
    public long slackMs(long boundMs) {
        return toleranceMs + boundMs * tolerancePct / 100;
    }
}
