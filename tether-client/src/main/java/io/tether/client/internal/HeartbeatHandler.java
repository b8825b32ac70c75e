package io.tether.client.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Client-side liveness, gRPC style: PING when nothing was read for the heartbeat interval; when
 * nothing at all arrives within the ping timeout after it, the server is dead (reason
 * {@code ping timeout}). Also PINGs when nothing was written for the interval if the server has
 * an idle deadline, since that deadline only sees the client's bytes. Answers the server's PINGs,
 * acts on unhealthy PONGs and too-many-pings NOTICEs.
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
        if (intervalNanos <= 0) {
            return; // no pings (ON_USE mode or heartbeat 0): nothing to time
        }
        long due = conn.lastReadNanos + intervalNanos;
        if (watchWrites) {
            due = Math.min(due, conn.lastWriteNanos + intervalNanos);
        }
        if (lastPingAt != 0) {
            due = Math.max(due, lastPingAt + intervalNanos); // never closer than the interval
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

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (pingSentAt != 0 && started) {
            pingSentAt = 0; // answered (any frame counts); time the next ping from this read
            rearm(Math.min(conn.lastReadNanos + intervalNanos, System.nanoTime() + timeoutNanos));
        }
        if (msg instanceof Frame.Ping p) {
            ctx.writeAndFlush(new Frame.Pong(p.id(), true, ""));
        } else if (msg instanceof Frame.Pong p) {
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
