package io.tether.server.spi;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.health.HealthResult;

/**
 * Watches a server's connections for metrics: one call per event a dashboard counts, from the
 * part that sees it. Set one with {@code TetherServer.Builder#observer}; without one the server
 * calls {@link #NONE}, whose empty methods the JIT inlines away, so the hot path pays nothing.
 *
 * <p>Calls come on the connection's event loop (health results on the health executor) and must
 * return at once: count, never block, never call back into the connection. Every method has an
 * empty default, so an observer implements only what it counts. Sessions have their own events:
 * {@code server.sessions().addListener}.
 */
public interface ServerObserver {

    /** Observes nothing; the default. */
    ServerObserver NONE = new ServerObserver() { };

    /** A socket was accepted, before admission: a refused one (limit reached, shutdown) is then closed too. */
    default void opened(Connection c) {
    }

    /** The connection is gone with {@code info}'s reason; once per {@link #opened}, before the application's onClose. */
    default void closed(Connection c, CloseInfo info) {
    }

    /**
     * A liveness deadline closes {@code c} ({@code reason} idle timeout or ping timeout), {@code lateNanos}
     * after the deadline itself: the deadline wheel's tick and the event loop's delay.
     */
    default void deadlineClose(Connection c, CloseReason reason, long lateNanos) {
    }

    /** A ping from the client ({@code ping} line or PING frame), before it is judged. */
    default void pingReceived(Connection c) {
    }

    /**
     * That ping was counted and found the connection's allowance empty (docs/PROTOCOL.md, "Ping
     * rate"): a strike. It is answered unless it takes the connection more than ping_strikes over,
     * which closes it with reason too many pings.
     */
    default void pingStrike(Connection c) {
    }

    /** A frame client answered the server's PING after {@code nanos}. */
    default void serverPingAnswered(Connection c, long nanos) {
    }

    /** One health check ran (on the health executor) and took {@code nanos}. */
    default void healthChecked(String check, HealthResult result, long nanos) {
    }

    /** The connection is closing as a slow consumer: over outbound_hard_limit ({@code hard}) or the soft limit for its time. */
    default void slowConsumer(Connection c, boolean hard) {
    }
}
