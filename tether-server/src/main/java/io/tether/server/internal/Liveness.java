package io.tether.server.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server's own liveness rules, in one place: the idle deadline (heartbeat_idle_time: close a
 * connection that has sent nothing for that long) and server pings (server_ping_interval: PING a
 * silent frame client, close it if nothing comes back within server_ping_timeout).
 *
 * <p>Each event loop has one {@link DeadlineWheel}; each connection is its own entry, due at the
 * earliest of its deadlines, so no connection is ever scanned before it can be due. A read only
 * stamps the connection's last-read time; the wheel, when it reaches the entry, decides from that
 * stamp whether to close, ping or look again later. All times come from the server's ticker, so
 * tests can run these rules on a simulated clock.
 */
final class Liveness {
    private final ServerContext ctx;
    private final Ticker ticker;
    private final long idleNanos;
    private final long pingIntervalNanos;
    private final long pingTimeoutNanos;
    private final long tickNanos;
    private final Map<EventExecutor, DeadlineWheel<ServerConnection>> wheels = new IdentityHashMap<>();

    Liveness(ServerContext ctx, ServerConfig config, Ticker ticker) {
        this.ctx = ctx;
        this.ticker = ticker;
        this.idleNanos = config.heartbeatIdleTime().toNanos();
        this.pingIntervalNanos = config.serverPingInterval().toNanos();
        this.pingTimeoutNanos = config.serverPingTimeout().toNanos();
        this.tickNanos = config.heartbeatTick().toNanos();
    }

    /** True when connections need a deadline at all. */
    boolean enabled() {
        return idleNanos > 0 || pingIntervalNanos > 0;
    }

    /** Gives {@code loop} its wheel and its tick; called for every loop before the first accept. */
    void createWheel(EventExecutor loop) {
        long horizon = Math.max(idleNanos, pingIntervalNanos + pingTimeoutNanos);
        DeadlineWheel<ServerConnection> wheel = new DeadlineWheel<>(tickNanos, horizon, ticker.nanoTime(),
                this::onDue);
        wheels.put(loop, wheel);
        if (enabled()) {
            loop.scheduleAtFixedRate(() -> wheel.advance(ticker.nanoTime()), tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A new connection: first look at it when its earliest deadline could be due. */
    void start(ServerConnection c) {
        if (!enabled()) {
            return;
        }
        long first = Long.MAX_VALUE;
        if (idleNanos > 0) {
            first = idleNanos;
        }
        if (pingIntervalNanos > 0) {
            first = Math.min(first, pingIntervalNanos);
        }
        wheels.get(c.channel.eventLoop()).schedule(c, c.connectNanos + first);
    }

    /** The connection is closing: take it off its wheel. */
    void stop(ServerConnection c) {
        if (c.isScheduled()) {
            wheels.get(c.channel.eventLoop()).cancel(c);
        }
    }

    /** A PONG arrived: the wait for it is over (its bytes already counted as life). */
    void pongReceived(ServerConnection c) {
        c.pingSentAt = 0;
    }

    /** The wheel reached {@code c}: close it, ping it, or say when to look again. */
    long onDue(ServerConnection c, long now) {
        if (c.isClosing()) {
            return DeadlineWheel.NONE;
        }
        long lastRead = c.lastReadNanos();
        long next = Long.MAX_VALUE;
        if (idleNanos > 0) {
            long deadline = lastRead + idleNanos;
            if (now - deadline >= 0) {
                ctx.close.close(c, CloseReason.IDLE_TIMEOUT, "nothing received for " + (now - lastRead) / 1_000_000 + " ms", 0);
                return DeadlineWheel.NONE;
            }
            next = deadline;
        }
        if (pingIntervalNanos > 0 && c.framing == Framing.FRAME && c.helloSeen) {
            if (c.pingSentAt != 0 && lastRead - c.pingSentAt > 0) {
                c.pingSentAt = 0; // something arrived after the ping: the peer is alive
            }
            if (c.pingSentAt != 0) {
                long pongDeadline = c.pingSentAt + pingTimeoutNanos;
                if (now - pongDeadline >= 0) {
                    ctx.close.close(c, CloseReason.PING_TIMEOUT,
                            "no answer to a ping for " + (now - c.pingSentAt) / 1_000_000 + " ms", 0);
                    return DeadlineWheel.NONE;
                }
                next = Math.min(next, pongDeadline);
            } else {
                long pingAt = lastRead + pingIntervalNanos;
                if (now - pingAt >= 0) {
                    c.pingSentAt = now;
                    c.channel.writeAndFlush(new Frame.Ping(++c.pingSeq));
                    next = Math.min(next, now + pingTimeoutNanos);
                } else {
                    next = Math.min(next, pingAt);
                }
            }
        } else if (pingIntervalNanos > 0 && c.framing == Framing.AUTO) {
            next = Math.min(next, now + pingIntervalNanos); // look again once it has spoken
        }
        return next == Long.MAX_VALUE ? DeadlineWheel.NONE : next;
    }
}
