package io.tether.server.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.server.ServerConfig;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Limits per source address: how many connections one address holds at once
 * (max_connection_per_ip) and how fast it may open new ones (connect_rate_per_ip, a token bucket
 * of connect_burst_per_ip). Thread safe: every event loop admits its own connections.
 *
 * <p>State is kept only for addresses that need it, and dropped when unused: an address with no
 * connection is forgotten at once when there is no rate limit, and once its bucket is full again
 * when there is (a sweep, scheduled only while such addresses exist, runs every refill time, at
 * least every second). So the map holds the addresses with connections plus those that connected
 * within the last refill time and a sweep period; it never grows with the addresses ever seen.
 */
final class AddressLimits {
    private static final long MIN_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Ticker ticker;
    private final int maxPerAddress;
    private final int perSecond;
    private final int burst;
    private final long sweepNanos;
    private final String maxRefusal;
    private final String rateRefusal;
    private final ConcurrentHashMap<InetAddress, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicBoolean sweepPending = new AtomicBoolean();

    /** One address: its connections and its connect-rate bucket. Changed inside the map's compute only. */
    private static final class Entry extends TokenBucket {
        int connections;

        Entry(int burst, long now) {
            super(burst, now);
        }
    }

    AddressLimits(ServerConfig config, Ticker ticker) {
        this.ticker = ticker;
        this.maxPerAddress = config.maxConnectionPerIp();
        this.perSecond = config.connectRatePerIp();
        this.burst = config.connectBurstPerIp();
        this.sweepNanos = perSecond > 0 ? Math.max(MIN_SWEEP_NANOS, TimeUnit.SECONDS.toNanos(burst) / perSecond) : 0;
        this.maxRefusal = "max_connection_per_ip " + maxPerAddress;
        this.rateRefusal = "connect_rate_per_ip " + perSecond + "/s (burst " + burst + ")";
    }

    boolean enabled() {
        return maxPerAddress > 0 || perSecond > 0;
    }

    /**
     * One more connection from {@code address}: null when it is admitted (and counted until
     * {@link #release}), else the refusal's detail. {@code loop} runs the sweep if one is needed.
     */
    String admit(InetAddress address, EventExecutor loop) {
        if (!enabled() || address == null) {
            return null;
        }
        long now = ticker.nanoTime();
        String[] refusal = new String[1]; // the accept path, not the read path: one small array is fine
        Entry e = entries.compute(address, (a, old) -> {
            Entry entry = old != null ? old : new Entry(burst, now);
            if (perSecond > 0 && !entry.tryTake(perSecond, burst, now)) {
                refusal[0] = rateRefusal;
            } else if (maxPerAddress > 0 && entry.connections >= maxPerAddress) {
                refusal[0] = maxRefusal;
            } else {
                entry.connections++;
            }
            return idle(entry, now) ? null : entry;
        });
        if (e != null && refusal[0] != null && perSecond > 0) {
            sweepLater(loop); // refused while it may hold no connection: forget it once its bucket is full
        }
        return refusal[0];
    }

    /** A connection admitted by {@link #admit} is gone. */
    void release(InetAddress address, EventExecutor loop) {
        if (!enabled() || address == null) {
            return;
        }
        long now = ticker.nanoTime();
        Entry e = entries.computeIfPresent(address, (a, entry) -> {
            entry.connections--;
            return idle(entry, now) ? null : entry;
        });
        if (e != null && perSecond > 0 && e.connections == 0) { // a hint read outside compute: the sweep checks again
            sweepLater(loop);
        }
    }

    /** Addresses with state held (tests, diagnostics). */
    int size() {
        return entries.size();
    }

    /** Forgets every address with no connection and a full bucket; runs again while others are left. */
    void sweep(EventExecutor loop) {
        sweepPending.set(false); // first: an address left idle from now on schedules the next one itself
        long now = ticker.nanoTime();
        boolean idleLeft = false;
        for (InetAddress a : entries.keySet()) {
            Entry e = entries.computeIfPresent(a, (k, entry) -> idle(entry, now) ? null : entry);
            idleLeft |= e != null && e.connections == 0;
        }
        if (idleLeft) {
            sweepLater(loop);
        }
    }

    /** Nothing to remember: no connection, and no rate limit or a bucket already full. */
    private boolean idle(Entry e, long now) {
        return e.connections == 0 && (perSecond == 0 || e.full(perSecond, burst, now));
    }

    private void sweepLater(EventExecutor loop) {
        if (sweepPending.compareAndSet(false, true)) {
            try {
                loop.schedule(() -> sweep(loop), sweepNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                sweepPending.set(false);
            }
        }
    }
}
