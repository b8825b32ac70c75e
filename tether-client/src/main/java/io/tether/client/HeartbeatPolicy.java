package io.tether.client;

import io.tether.client.internal.PingGap;
import io.tether.core.protocol.Frame;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often the client pings: the configured heartbeat fitted to what the server's WELCOME asks
 * for, and the floor each too-many-pings (NOTICE TOO_MANY_PINGS, CLOSE 1011) raises and every later
 * connection keeps, as gRPC clients do.
 *
 * <p>{@link #fit} and {@link #tooManyPings} run on the client's event loop; {@link #interval()} is
 * read from any thread.
 */
final class HeartbeatPolicy {
    private static final Logger log = LoggerFactory.getLogger("io.tether.client");

    private final ClientConfig config;
    private final ClientListener listener;
    /** What too-many-pings taught: no heartbeat below this, on this connection or any later one. */
    private volatile long floorNanos;
    /** The interval in force on the current (or last) connection. */
    private volatile long intervalNanos;

    HeartbeatPolicy(ClientConfig config, ClientListener listener) {
        this.config = config;
        this.listener = listener;
    }

    /** The heartbeat in force on the current (or last) connection, in nanoseconds; 0: no pings. */
    long interval() {
        return intervalNanos;
    }

    /** The heartbeat to announce in HELLO, before the server's WELCOME is known. */
    long forHello() {
        return fitted(null);
    }

    /** The heartbeat for a connection whose WELCOME (null in line mode) just arrived; it becomes {@link #interval()}. */
    long fit(Frame.Welcome welcome) {
        long hb = fitted(welcome);
        intervalNanos = hb;
        return hb;
    }

    /**
     * The heartbeat for a connection: the configured interval, at most half the server's idle
     * timeout (so one lost ping does not get the client closed), at least the server's minimum
     * ping interval plus a margin (the server measures gaps between arrivals, which jitter), and
     * at least what too-many-pings taught earlier connections.
     */
    private long fitted(Frame.Welcome w) {
        if (config.mode() == ConnectionMode.ON_USE || config.heartbeatInterval().isZero()) {
            return 0;
        }
        long hb = config.heartbeatInterval().toNanos();
        long idle = w == null ? 0 : TimeUnit.MILLISECONDS.toNanos(w.idleTimeoutMillis());
        if (idle > 0) {
            hb = Math.min(hb, idle / 2);
        }
        long min = w == null ? 0 : TimeUnit.MILLISECONDS.toNanos(w.minPingIntervalMillis());
        hb = Math.max(hb, PingGap.nanos(min));
        hb = Math.max(hb, floorNanos);
        if (idle > 0 && hb >= idle) {
            log.warn("heartbeat {} ms cannot keep up with the server's idle timeout {} ms (minimum ping interval {} ms);"
                    + " expect idle closes", hb / 1_000_000, idle / 1_000_000, min / 1_000_000);
        }
        return hb;
    }

    /**
     * The server said the client pings too often ({@code serverMinMillis}, 0 when unknown): doubles
     * the heartbeat (at least the server's minimum), keeps it as the floor for later connections and
     * tells the listener. Returns the interval the connection must use from now on.
     *
     * @param currentNanos the heartbeat the connection uses now
     */
    long tooManyPings(long currentNanos, long serverMinMillis, String why) {
        long next = Math.max(2 * Math.max(currentNanos, floorNanos), TimeUnit.MILLISECONDS.toNanos(serverMinMillis));
        if (next <= 0) {
            return currentNanos;
        }
        floorNanos = next;
        intervalNanos = next;
        log.info("server says too many pings ({}); heartbeat {} ms -> {} ms, kept for later connections",
                why, currentNanos / 1_000_000, next / 1_000_000);
        try {
            listener.onPingIntervalChanged(Duration.ofNanos(currentNanos), Duration.ofNanos(next), why);
        } catch (RuntimeException e) {
            log.warn("client listener threw", e);
        }
        return next;
    }
}
