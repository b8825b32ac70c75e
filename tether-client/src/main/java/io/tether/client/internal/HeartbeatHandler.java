package io.tether.client.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.client.Protocol;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client-side liveness, gRPC style: PING when nothing was read for the heartbeat interval; when
 * nothing at all arrives within the ping timeout after it, the server is dead (reason
 * {@code ping timeout}). Also PINGs when nothing was written for the interval if the server has
 * an idle deadline, since that deadline only sees the client's bytes. Answers the server's PINGs,
 * acts on unhealthy PONGs and too-many-pings NOTICEs.
 *
 * <p>With {@code ClientConfig.confirm} it also confirms plain messages: a written message counts
 * as read by the server once the PONG of a PING sent after it arrives (TCP keeps the order and the
 * server handles a connection's frames in order). One PING covers every message written before it;
 * at most one ping is outstanding, and none follows the previous one sooner than the server's
 * minimum ping interval (WELCOME; {@link #LINE_MIN_PING_GAP_NANOS} in line mode, which has no
 * WELCOME), so these pings always wait for the previous PONG and the server's ping rate
 * (docs/PROTOCOL.md, "Ping rate") never counts them. A confirmation ping is a heartbeat ping too:
 * no answer within the ping timeout ends the connection, and what it did not confirm fails.
 *
 * <p>One timer per connection, re-armed at the next moment anything can be due; a read does not
 * touch the timer (it only moves {@code lastReadNanos}), except to settle an outstanding ping.
 * All times are {@link System#nanoTime()}.
 */
final class HeartbeatHandler extends ChannelInboundHandlerAdapter {
    private final ClientConnection conn;
    private ChannelHandlerContext ctx;
    private long intervalNanos;
    private long timeoutNanos;
    private boolean watchWrites;
    private boolean started;
    private long pingSentAt;   // 0: no ping outstanding
    private long lastPingAt;   // 0: none sent yet
    private long pingSeq;
    private ScheduledFuture<?> timer;
    private long timerAt;

    /** Line mode has no WELCOME to tell the server's ping_min_interval: its default. */
    static final long LINE_MIN_PING_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** A written message waiting for the PONG of ping {@code needs} (or a later one). */
    private record Unconfirmed(long needs, int length, CompletableFuture<Void> future) {
    }

    /** Confirm mode: written messages, oldest first, until a PONG confirms them. */
    private final ArrayDeque<Unconfirmed> unconfirmed = new ArrayDeque<>();
    /** The highest ping id answered by a PONG (line mode: PONGs counted, the server answers in order). */
    private long answeredSeq;
    /** The server's minimum gap between pings (WELCOME), for confirmation pings. */
    private long minPingGapNanos;
    /** The connection ended: a message written now can no longer be confirmed. */
    private boolean ended;

    HeartbeatHandler(ClientConnection conn) {
        this.conn = conn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    long intervalNanos() {
        return intervalNanos;
    }

    void start(long intervalNanos, Frame.Welcome welcome) {
        this.intervalNanos = intervalNanos;
        this.timeoutNanos = conn.config.pingTimeout().toNanos();
        this.watchWrites = welcome != null && welcome.idleTimeoutMillis() > 0;
        long min = welcome == null ? LINE_MIN_PING_GAP_NANOS : TimeUnit.MILLISECONDS.toNanos(welcome.minPingIntervalMillis());
        this.minPingGapNanos = PingGap.nanos(min);
        this.started = true;
        rearm(System.nanoTime());
    }

    void setInterval(long intervalNanos) {
        this.intervalNanos = intervalNanos;
        if (started) {
            rearm(System.nanoTime());
        }
    }

    private void rearm(long at) {
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        timer = ctx.executor().schedule(this::tick, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void tick() {
        timer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (pingSentAt != 0) {
            if (conn.lastReadNanos - pingSentAt > 0) {
                pingSentAt = 0; // something arrived after the ping: the server lives
            } else if (now - pingSentAt >= timeoutNanos) {
                // No CLOSE frame: a silent server would not read it, and the socket buffer may be full.
                conn.closeWith(CloseReason.PING_TIMEOUT, String.format(Locale.ROOT, "no answer to PING #%d within %d ms",
                        pingSeq, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)), false);
                return;
            } else {
                rearm(pingSentAt + timeoutNanos);
                return;
            }
        }
        boolean heartbeatDue = intervalNanos > 0; // 0: no heartbeat pings (ON_USE mode or heartbeat 0)
        long due = 0;
        if (heartbeatDue) {
            due = conn.lastReadNanos + intervalNanos;
            if (watchWrites) {
                due = Math.min(due, conn.lastWriteNanos + intervalNanos);
            }
            if (lastPingAt != 0) {
                due = Math.max(due, lastPingAt + intervalNanos); // never closer than the interval
            }
        }
        if (confirmationWanted()) {
            long c = confirmationDue(now);
            due = heartbeatDue ? Math.min(due, c) : c;
        } else if (!heartbeatDue) {
            return; // nothing to time
        }
        if (now - due >= 0) {
            pingSentAt = now;
            lastPingAt = now;
            ctx.writeAndFlush(new Frame.Ping(++pingSeq));
            rearm(now + timeoutNanos);
        } else {
            rearm(due);
        }
    }

    /** A message that waits for a ping not yet sent. */
    private boolean confirmationWanted() {
        Unconfirmed newest = unconfirmed.peekLast();
        return newest != null && newest.needs > pingSeq;
    }

    /**
     * When the confirmation ping may go: after the previous ping's PONG (or, should the server hold
     * it back, once the ping timeout has passed) and no sooner than the server's minimum ping
     * interval after the previous ping.
     */
    private long confirmationDue(long now) {
        if (lastPingAt == 0) {
            return now;
        }
        long due = lastPingAt + minPingGapNanos;
        if (answeredSeq < pingSeq) {
            due = Math.max(due, lastPingAt + timeoutNanos);
        }
        return due;
    }

    /**
     * Confirm mode: {@code future} (a message of {@code length} bytes, just written) completes once
     * the PONG of a ping sent after it arrives. Called on the event loop, from the write's listener.
     */
    void awaitConfirmation(int length, CompletableFuture<Void> future) {
        if (ended || !ctx.channel().isActive()) {
            future.completeExceptionally(conn.unconfirmed(length));
            return;
        }
        unconfirmed.addLast(new Unconfirmed(pingSeq + 1, length, future));
        if (pingSentAt != 0 && conn.lastReadNanos - pingSentAt <= 0) {
            return; // a ping is unanswered: the timer is set for its timeout, tick decides then
        }
        rearmBy(confirmationDue(System.nanoTime()));
    }

    /** Makes the timer fire no later than {@code at}, keeping an earlier one. */
    private void rearmBy(long at) {
        if (timer == null || at - timerAt < 0) {
            rearm(at);
        }
    }

    /** A PONG answered ping {@code id}: completes what it confirms. */
    private void answered(long id) {
        answeredSeq = Math.max(answeredSeq, Math.min(id, pingSeq));
        Unconfirmed u;
        while ((u = unconfirmed.peekFirst()) != null && u.needs <= answeredSeq) {
            unconfirmed.pollFirst();
            u.future.complete(null);
        }
        if (confirmationWanted()) {
            rearmBy(confirmationDue(System.nanoTime()));
        }
    }

    /** The connection ended: fails every message written and not confirmed (once; later ones fail at once). */
    void failUnconfirmed() {
        ended = true;
        Unconfirmed u;
        while ((u = unconfirmed.pollFirst()) != null) {
            u.future.completeExceptionally(conn.unconfirmed(u.length));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pingSentAt != 0 && started) {
            pingSentAt = 0; // answered (any frame counts); time the next ping from this read
            rearm(Math.min(conn.lastReadNanos + intervalNanos, System.nanoTime() + timeoutNanos));
        }
        if (msg instanceof Frame.Ping p) {
            ctx.writeAndFlush(new Frame.Pong(p.id(), true, ""));
        } else if (msg instanceof Frame.Pong p) {
            // A line PONG has no id: the server answers pings in order, so it answers the oldest
            // unanswered one (a PONG it held back makes us under-count, which only delays).
            answered(conn.config.protocol() == Protocol.LINE ? answeredSeq + 1 : p.id());
            if (!p.healthy()) {
                conn.closeWith(CloseReason.UNHEALTHY, "server reports unhealthy"
                        + (p.detail().isEmpty() ? "" : ": " + p.detail()), true);
            }
        } else if (msg instanceof Frame.Notice n && n.code() == Frame.Notice.TOO_MANY_PINGS) {
            setInterval(conn.owner.onTooManyPings(conn, n.value(), n.text()));
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        ctx.fireChannelInactive();
    }
}
