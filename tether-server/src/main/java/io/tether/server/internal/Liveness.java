package io.tether.server.internal;

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
import java.util.concurrent.TimeUnit;

/**
 * The server's own liveness rules, in one place: the idle deadline (heartbeat_idle_time: close a
 * connection that has sent nothing for that long), server pings (server_ping_interval: PING a
 * silent frame client, close it if nothing comes back within server_ping_timeout), and the
 * deadlines for unfinished work: the handshake (handshake_timeout: a frame client's HELLO, or under
 * framing auto any client's first byte, within that long of connecting) and a message begun
 * (package_timeout: a line or frame whose first bytes are buffered must be complete within that
 * long; bytes trickling in count as life for the idle deadline, not for this one).
 *
 * <p>Each event loop has one {@link DeadlineWheel}; each connection is its own entry, due at the
 * earliest of its deadlines, so no connection is ever scanned before it can be due. A read only
 * stamps the connection's last-read time; the wheel, when it reaches the entry, decides from that
 * stamp whether to close, ping or look again later. All times come from the server's ticker, so
 * tests can run these rules on a simulated clock.
 *
 * <p>The wheel also keeps the soft outbound limit's deadline ({@link OutboundLimits}), the package
 * deadline of a connection with an unfinished message, and the wait of a socket refused at accept
 * (ConnectionRegistry): each only while it applies, so a connection that has done its handshake
 * and has nothing unfinished costs no visit for them. A loop's wheel is not ticked at a fixed rate:
 * its {@link WheelTimer} wakes the loop once per due slot and not at all while nothing is on it, so
 * silent connections whose deadlines are far cost no CPU until then.
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
    private final long handshakeNanos;
    private final long handshakeMillis;
    private final long packageNanos;
    private final int packageMillis;
    private final Map<EventExecutor, LoopWheel> wheels = new IdentityHashMap<>();

    Liveness(ServerContext ctx, ServerConfig config, Ticker ticker) {
        this.ctx = ctx;
        this.ticker = ticker;
        this.idleNanos = config.heartbeatIdleTime().toNanos();
        this.pingIntervalNanos = config.serverPingInterval().toNanos();
        this.pingTimeoutNanos = config.serverPingTimeout().toNanos();
        this.tickNanos = config.heartbeatTick().toNanos();
        this.softNanos = config.maxOutboundBytes() > 0 ? config.outboundSoftTime().toNanos() : 0;
        this.handshakeNanos = config.framing() == Framing.AUTO || config.framing() == Framing.FRAME
                || config.framing() == Framing.WEBSOCKET ? config.handshakeTimeout().toNanos() : 0; // line and raw have no handshake
        this.handshakeMillis = config.handshakeTimeout().toMillis();
        this.packageNanos = config.framing() == Framing.RAW ? 0 : config.packageTimeout().toNanos(); // raw: a read is a message
        this.packageMillis = (int) TimeUnit.NANOSECONDS.toMillis(packageNanos);
    }

    /** True when connections need a deadline at all. */
    boolean enabled() {
        return idleNanos > 0 || pingIntervalNanos > 0;
    }

    /** Gives {@code loop} its wheel; called for every loop before the first accept. Nothing ticks until an entry is due. */
    void createWheel(EventExecutor loop) {
        long horizon = Math.max(Math.max(Math.max(idleNanos, pingIntervalNanos + pingTimeoutNanos), softNanos),
                Math.max(Math.max(handshakeNanos, packageNanos), ConnectionRegistry.REFUSAL_WAIT_NANOS));
        wheels.put(loop, new LoopWheel(loop, new DeadlineWheel<>(tickNanos, horizon, ticker.nanoTime(), this::onDue), ticker));
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
        long first = firstDelay();
        if (handshakeNanos > 0) {
            first = Math.min(first, handshakeNanos); // from accept: the framing (auto) and HELLO (frame) are still to come
        }
        if (first != Long.MAX_VALUE) {
            lookAt(c, c.connectNanos + first);
        }
    }

    /** The first look at an admitted connection for the idle and ping rules, from its connect time; MAX_VALUE for none. */
    private long firstDelay() {
        long first = Long.MAX_VALUE;
        if (idleNanos > 0) {
            first = idleNanos;
        }
        if (pingIntervalNanos > 0) {
            first = Math.min(first, pingIntervalNanos);
        }
        return first;
    }

    /**
     * The handshake is done (HELLO arrived, or under framing auto a line client's first byte): if
     * the wheel was to look at {@code c} only for it, move that look to what the other rules need,
     * or drop it, so a connection that said hello in time costs no visit at its handshake deadline.
     */
    void handshakeDone(ServerConnection c) {
        if (handshakeNanos == 0 || !c.isScheduled() || c.dueNanos() != c.connectNanos + handshakeNanos) {
            return;
        }
        long first = firstDelay();
        long due = first == Long.MAX_VALUE ? Long.MAX_VALUE : c.connectNanos + first;
        if (c.overSoft) {
            due = Math.min(due, ctx.ticker.nanoTime()); // let the soft limit's check say when it is due
        }
        LoopWheel w = wheels.get(c.channel.eventLoop());
        if (due == Long.MAX_VALUE) {
            w.wheel.cancel(c);
        } else {
            w.wheel.schedule(c, due);
            w.ensureTicking(); // the look may move earlier (a connection over the soft limit)
        }
    }

    /**
     * After the codec decoded what a read brought: {@code buffered} when bytes of an unfinished line
     * or frame are left waiting for the rest, {@code progressed} when a message (or the preamble)
     * was completed in it, so what is left is a new one. Starts the package clock for a new
     * unfinished message and makes sure the wheel looks by its deadline; a connection whose reads end
     * on message boundaries only clears a field. On the connection's loop, per read: no allocation,
     * and the wheel is touched only when its entry would be looked at too late.
     */
    void afterDecode(ServerConnection c, boolean buffered, boolean progressed) {
        if (packageNanos == 0) {
            return;
        }
        if (!buffered) {
            c.partialSinceMillis = 0;
            return;
        }
        if (c.partialSinceMillis != 0 && !progressed) {
            return; // the same message, still coming: its clock runs on
        }
        long now = c.lastReadNanos(); // this read's stamp (ConnectionCodec.channelRead)
        c.partialSinceMillis = millis(now);
        long due = now + packageNanos;
        if (!c.isScheduled() || c.dueNanos() - due > 0) {
            lookAt(c, due);
        }
    }

    /** When {@code c}'s unfinished message is due, in nanoTime, from a recent {@code now}. */
    private long packageDeadline(ServerConnection c, long now) {
        return now + (packageMillis - (millis(now) - c.partialSinceMillis)) * 1_000_000L;
    }

    /** The ticker's milliseconds as a wrapping int, never 0 (which means "nothing unfinished"). */
    private static int millis(long nanos) {
        int m = (int) Math.floorDiv(nanos, 1_000_000L);
        return m == 0 ? 1 : m;
    }

    /** Makes sure the wheel looks at {@code c} by {@code due}; on its loop. */
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
        if (c.pingSentAt != 0) {
            ctx.observer.serverPingAnswered(c, ticker.nanoTime() - c.pingSentAt);
        }
        c.pingSentAt = 0;
    }

    /** The wheel reached {@code c}: close it, ping it, or say when to look again. */
    long onDue(ServerConnection c, long now) {
        if (c.isClosing()) {
            return DeadlineWheel.NONE;
        }
        if (c.refusing()) {
            // Refused at accept and its first byte never came: closed unanswered (its framing is unknown).
            ctx.close.close(c, CloseReason.LIMIT_REACHED, c.closeDetail, 0);
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
        if (awaitingHandshake(c)) {
            long deadline = c.connectNanos + handshakeNanos;
            if (now - deadline >= 0) {
                ctx.close.close(c, CloseReason.PROTOCOL_ERROR, "handshake_timeout: " + (c.framing == Framing.AUTO
                        ? "nothing received within " + handshakeMillis + " ms (framing unknown)"
                        : c.framing == Framing.WEBSOCKET ? "no WebSocket upgrade within " + handshakeMillis + " ms"
                        : "no HELLO within " + handshakeMillis + " ms"), 0);
                return DeadlineWheel.NONE;
            }
            next = Math.min(next, deadline);
        }
        if (packageNanos > 0 && c.partialSinceMillis != 0) {
            long deadline = packageDeadline(c, now);
            if (now - deadline >= 0) {
                ConnectionCodec codec = c.channel.pipeline().get(ConnectionCodec.class);
                ctx.close.close(c, CloseReason.PROTOCOL_ERROR, "package_timeout: " + (codec == null ? "a message" : codec.unfinished())
                        + " unfinished after " + (millis(now) - c.partialSinceMillis) + " ms", 0);
                return DeadlineWheel.NONE;
            }
            next = Math.min(next, deadline);
        }
        long lastRead = c.lastReadNanos();
        if (idleNanos > 0) {
            long deadline = lastRead + idleNanos;
            if (now - deadline >= 0) {
                ctx.observer.deadlineClose(c, CloseReason.IDLE_TIMEOUT, now - deadline);
                ctx.close.close(c, CloseReason.IDLE_TIMEOUT, "nothing received for " + (now - lastRead) / 1_000_000 + " ms", 0);
                return DeadlineWheel.NONE;
            }
            next = Math.min(next, deadline);
        }
        if (pingIntervalNanos > 0 && pingable(c)) {
            if (c.pingSentAt != 0 && lastRead - c.pingSentAt > 0) {
                c.pingSentAt = 0; // something arrived after the ping: the peer is alive
            }
            if (c.pingSentAt != 0) {
                long pongDeadline = c.pingSentAt + pingTimeoutNanos;
                if (now - pongDeadline >= 0) {
                    ctx.observer.deadlineClose(c, CloseReason.PING_TIMEOUT, now - pongDeadline);
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
        } else if (pingIntervalNanos > 0 && (c.framing == Framing.AUTO || c.framing == Framing.WEBSOCKET)) {
            next = Math.min(next, now + pingIntervalNanos); // look again once it has spoken
        }
        return due(c, next);
    }

    /**
     * True while {@code c} has a handshake to finish: no first byte yet (framing auto), no HELLO
     * (frame), or no WebSocket upgrade yet.
     */
    private boolean awaitingHandshake(ServerConnection c) {
        return handshakeNanos > 0 && (c.framing == Framing.AUTO || c.framing == Framing.FRAME && !c.helloSeen
                || c.framing == Framing.WEBSOCKET && !c.ready);
    }

    /** True when server pings reach {@code c}: a frame client after its HELLO (PING frames), a WebSocket client once upgraded (ping frames). */
    private static boolean pingable(ServerConnection c) {
        return c.framing == Framing.FRAME ? c.helloSeen : c.framing == Framing.WEBSOCKET && c.ready;
    }

    /** The earliest time a liveness rule could close {@code c}, from its stamps; MAX_VALUE for none. */
    private long judgeAt(ServerConnection c) {
        long lastRead = c.lastReadNanos();
        long at = Long.MAX_VALUE;
        if (idleNanos > 0) {
            at = lastRead + idleNanos;
        }
        if (awaitingHandshake(c)) {
            at = Math.min(at, c.connectNanos + handshakeNanos);
        }
        if (packageNanos > 0 && c.partialSinceMillis != 0) {
            at = Math.min(at, packageDeadline(c, lastRead));
        }
        if (pingIntervalNanos > 0 && pingable(c) && c.pingSentAt != 0
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
