package io.tether.server.internal;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.liveness.WheelTimer;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import java.util.IdentityHashMap;
import java.util.Map;

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
 *
 * <p>The wheel also keeps the soft outbound limit's deadline ({@link OutboundLimits}): a connection
 * over max_outbound_bytes is looked at when its outbound_soft_time is up. With neither idle
 * deadline nor server pings configured, a loop's wheel ticks only while such a connection is on it.
 * A loop's wheel is not ticked at a fixed rate: its {@link WheelTimer} wakes the loop once per due
 * slot, so silent connections whose deadlines are far cost no CPU until then.
 * While reading from a connection is paused for backpressure, a deadline that comes due is judged
 * only after one read: the server was not listening, so bytes waiting in the socket are the peer's
 * life, and only a peer that sent nothing at all is closed (one tick later). The queue draining is
 * not life: the kernel takes bytes into its own send buffer whether or not the peer is still there.
 */
final class Liveness {
    private final ServerContext ctx;
    private final Ticker ticker;
    private final long idleNanos;
    private final long pingIntervalNanos;
    private final long pingTimeoutNanos;
    private final long tickNanos;
    private final long softNanos;
    private final Map<EventExecutor, LoopWheel> wheels = new IdentityHashMap<>();

    /**
     * One event loop's wheel and its one-shot timer, armed for the wheel's next due slot only (none
     * while nothing is on it); touched on that loop only (after creation).
     */
    private final class LoopWheel {
        final DeadlineWheel<ServerConnection> wheel;
        final WheelTimer<ServerConnection> timer;

        LoopWheel(EventExecutor loop, DeadlineWheel<ServerConnection> wheel) {
            this.wheel = wheel;
            // The server's ticker is the loop's own clock unless a test simulates time; then the timer polls.
            boolean loopsClock = loop instanceof AbstractScheduledEventExecutor s && s.ticker() == ticker;
            this.timer = new WheelTimer<>(wheel, loop, ticker::nanoTime, loopsClock);
        }

        /** After a schedule outside the wheel's own advance: make sure the timer fires by the new entry's slot. */
        void ensureTicking() {
            timer.arm();
        }
    }

    Liveness(ServerContext ctx, ServerConfig config, Ticker ticker) {
        this.ctx = ctx;
        this.ticker = ticker;
        this.idleNanos = config.heartbeatIdleTime().toNanos();
        this.pingIntervalNanos = config.serverPingInterval().toNanos();
        this.pingTimeoutNanos = config.serverPingTimeout().toNanos();
        this.tickNanos = config.heartbeatTick().toNanos();
        this.softNanos = config.maxOutboundBytes() > 0 ? config.outboundSoftTime().toNanos() : 0;
    }

    /** True when connections need a deadline at all. */
    boolean enabled() {
        return idleNanos > 0 || pingIntervalNanos > 0;
    }

    /** Gives {@code loop} its wheel; called for every loop before the first accept. Nothing ticks until an entry is due. */
    void createWheel(EventExecutor loop) {
        long horizon = Math.max(Math.max(idleNanos, pingIntervalNanos + pingTimeoutNanos), softNanos);
        wheels.put(loop, new LoopWheel(loop, new DeadlineWheel<>(tickNanos, horizon, ticker.nanoTime(), this::onDue)));
    }

    /** How often the event loops woke to look at their wheels; for tests and diagnostics, from any thread. */
    long wakeUps() {
        long n = 0;
        for (LoopWheel w : wheels.values()) {
            n += w.timer.wakeUps();
        }
        return n;
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
        LoopWheel w = wheels.get(c.channel.eventLoop());
        w.wheel.schedule(c, c.connectNanos + first);
        w.ensureTicking();
    }

    /** Makes sure the wheel looks at {@code c} by {@code due} (the soft outbound limit); on its loop. */
    void lookAt(ServerConnection c, long due) {
        LoopWheel w = wheels.get(c.channel.eventLoop());
        if (!c.isScheduled() || c.dueNanos() - due > 0) {
            w.wheel.schedule(c, due);
        }
        w.ensureTicking();
    }

    /** The connection is closing: take it off its wheel. */
    void stop(ServerConnection c) {
        if (c.isScheduled()) {
            wheels.get(c.channel.eventLoop()).wheel.cancel(c);
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
        long next = Long.MAX_VALUE;
        if (c.overSoft) {
            long look = ctx.limits.check(c, now);
            if (look == Long.MIN_VALUE) {
                return DeadlineWheel.NONE; // closed: slow consumer
            }
            next = look;
        }
        long judge = judgeAt(c);
        if (judge == Long.MAX_VALUE || judge - now > 0) {
            c.readProbed = false;
        } else if (OutboundLimits.paused(c) && !c.readProbed) {
            // A deadline came due while the server was not reading from it (backpressure): its silence
            // may be the server's deafness. Read once first: bytes that were waiting are life
            // (onRead), and a peer that really sent nothing (pulled cable, stopped process) is judged
            // one tick later.
            c.readProbed = true;
            c.channel.read();
            return due(c, Math.min(next, now + tickNanos));
        }
        long lastRead = c.lastReadNanos();
        if (idleNanos > 0) {
            long deadline = lastRead + idleNanos;
            if (now - deadline >= 0) {
                ctx.close.close(c, CloseReason.IDLE_TIMEOUT, "nothing received for " + (now - lastRead) / 1_000_000 + " ms", 0);
                return DeadlineWheel.NONE;
            }
            next = Math.min(next, deadline);
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
        return due(c, next);
    }

    /** The earliest time a liveness rule could close {@code c}, from its stamps; MAX_VALUE for none. */
    private long judgeAt(ServerConnection c) {
        long lastRead = c.lastReadNanos();
        long at = Long.MAX_VALUE;
        if (idleNanos > 0) {
            at = lastRead + idleNanos;
        }
        if (pingIntervalNanos > 0 && c.framing == Framing.FRAME && c.helloSeen && c.pingSentAt != 0
                && lastRead - c.pingSentAt <= 0) {
            at = Math.min(at, c.pingSentAt + pingTimeoutNanos);
        }
        return at;
    }

    /**
     * What onDue returns for {@code next}. A write made while deciding (a server ping) may have put
     * {@code c} back on the wheel for the soft limit; then the earlier of the two times stands.
     */
    private long due(ServerConnection c, long next) {
        long result = next == Long.MAX_VALUE ? DeadlineWheel.NONE : next;
        if (c.isScheduled()) {
            if (result != DeadlineWheel.NONE && result - c.dueNanos() < 0) {
                wheels.get(c.channel.eventLoop()).wheel.schedule(c, result);
            }
            return DeadlineWheel.NONE;
        }
        return result;
    }
}
