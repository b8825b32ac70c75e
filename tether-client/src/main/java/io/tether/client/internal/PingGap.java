package io.tether.client.internal;

import java.util.concurrent.TimeUnit;

/**
 * The gap a client leaves between its pings for a server whose minimum ping interval is
 * {@code min}: that plus 10% (at least 10 ms), since the server measures the gaps between
 * arrivals, which jitter (docs/PROTOCOL.md, "Ping rate"). Used by the heartbeat's fit and by
 * confirmation pings alike.
 */
public final class PingGap {
    private PingGap() {
    }

    /** {@code minNanos} plus the margin; 0 when the server has no minimum. */
    public static long nanos(long minNanos) {
        return minNanos <= 0 ? 0 : minNanos + Math.max(minNanos / 10, TimeUnit.MILLISECONDS.toNanos(10));
    }
}
