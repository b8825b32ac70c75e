package io.tether.server.internal;

import io.netty.channel.ChannelOutboundBuffer;
import io.tether.core.close.CloseReason;
import io.tether.server.ServerConfig;
import io.tether.server.SlowConsumerException;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much may wait for a connection's peer (docs/CONFIG.md, "Outbound limits"), in three rules:
 *
 * <ul>
 *   <li><b>Backpressure.</b> Over buffer_high_watermark the channel is not writable (Netty's water
 *       marks, set once per server in {@link ServerInitializer}); then the server stops reading
 *       from it (autoRead off), so a client that sends requests and does not read the replies
 *       cannot make the server queue more for it, and the session layer's pump waits. Below
 *       buffer_low_watermark both go on.
 *   <li><b>Hard limit.</b> A write that would take the queue over outbound_hard_limit is refused
 *       and the connection closed at once with reason slow consumer; closing releases everything
 *       queued, and each send dropped that way fails with {@link SlowConsumerException}.
 *   <li><b>Soft limit.</b> A queue at or over max_outbound_bytes for outbound_soft_time without a
 *       break closes the connection the same way (Redis's rule: the limit is "reached"). By default
 *       it equals buffer_low_watermark, and a channel that is not writable always holds at least
 *       that much (Netty makes it writable again only under the low mark), so a connection the
 *       server has stopped reading from is always on the clock. The deadline is kept on the
 *       connection's deadline wheel ({@link Liveness}), so no timer exists for one under the limit.
 * </ul>
 *
 * <p>Holds no per-connection state; each connection has two small fields for the soft limit.
 * Everything here runs on the connection's event loop.
 */
final class OutboundLimits {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    /**
     * What Netty counts per queued message on top of its bytes (the ChannelOutboundBuffer entry), the
     * same property and default as Netty's, so "over a limit" here means what it means for Netty's
     * water marks: a connection not writable is over a soft limit equal to the high water mark.
     */
    static final int ENTRY_OVERHEAD = Integer.getInteger("io.netty.transport.outboundBufferEntrySizeOverhead", 96);

    private final ServerContext ctx;
    private final long hard;
    private final long soft;
    private final int softMillis;

    OutboundLimits(ServerContext ctx, ServerConfig config) {
        this.ctx = ctx;
        this.hard = config.outboundHardLimit();
        this.soft = config.maxOutboundBytes();
        this.softMillis = (int) Math.min(Integer.MAX_VALUE / 2, config.outboundSoftTime().toMillis());
    }

    /** True when connections may need a look from the wheel for the soft limit. */
    boolean softLimitOn() {
        return soft > 0;
    }

    /**
     * Before {@code bytes} more are queued on {@code c}: null to go ahead, or the reason the write
     * is refused (the connection is then closing as a slow consumer).
     */
    SlowConsumerException admit(ServerConnection c, int bytes) {
        ChannelOutboundBuffer queue = c.channel.unsafe().outboundBuffer();
        if (queue == null) {
            return null; // closed: Netty fails the write and releases the message
        }
        long queued = queue.totalPendingWriteBytes();
        long after = queued + bytes + ENTRY_OVERHEAD; // as Netty will count it once queued
        if (hard > 0 && after > hard) {
            String detail = after + " bytes queued, over outbound_hard_limit " + hard;
            slowConsumer(c, true, detail);
            return new SlowConsumerException(c.id, c.closeReason == CloseReason.SLOW_CONSUMER ? c.closeDetail : detail);
        }
        if (soft > 0) {
            if (c.overSoft && queued < soft) {
                c.overSoft = false; // it had drained under the limit since it reached it: the time starts over
            }
            if (!c.overSoft && after >= soft) {
                long now = ctx.ticker.nanoTime();
                c.overSoft = true;
                c.overSoftSinceMillis = (int) Math.floorDiv(now, 1_000_000L);
                ctx.liveness.lookAt(c, now + softMillis * 1_000_000L);
            }
        }
        return null;
    }

    /**
     * The wheel reached {@code c} while it was at the soft limit: closes it if it has stayed there
     * for outbound_soft_time; returns the next time to look, {@link Long#MAX_VALUE} for no need,
     * or {@link Long#MIN_VALUE} when it was closed.
     */
    long check(ServerConnection c, long now) {
        if (!c.overSoft) {
            return Long.MAX_VALUE;
        }
        ChannelOutboundBuffer queue = c.channel.unsafe().outboundBuffer();
        long queued = queue == null ? 0 : queue.totalPendingWriteBytes();
        if (queued < soft) {
            c.overSoft = false;
            return Long.MAX_VALUE;
        }
        int over = (int) Math.floorDiv(now, 1_000_000L) - c.overSoftSinceMillis;
        if (over >= softMillis) {
            slowConsumer(c, false, "at or over max_outbound_bytes " + soft + " for " + over + " ms (" + queued + " bytes queued)");
            return Long.MIN_VALUE;
        }
        return now + (softMillis - over) * 1_000_000L;
    }

    /** The channel's writability changed: stop reading while it is not writable, go on when it is. */
    void writabilityChanged(ServerConnection c) {
        boolean writable = c.channel.isWritable();
        if (c.channel.config().isAutoRead() == writable) {
            return;
        }
        c.channel.config().setAutoRead(writable);
        if (writable) {
            if (c.overSoft) {
                ChannelOutboundBuffer queue = c.channel.unsafe().outboundBuffer();
                if (queue == null || queue.totalPendingWriteBytes() < soft) {
                    c.overSoft = false;
                }
            }
            if (c.sequenced && ctx.sessions != null && !c.isClosing()) {
                ctx.sessions.writable(c);
            }
        }
    }

    /** True while reading from {@code c} is paused for backpressure. */
    static boolean paused(ServerConnection c) {
        return !c.channel.config().isAutoRead();
    }

    /**
     * What a failed send of {@code c} reports: {@link SlowConsumerException} when it was dropped
     * because the connection was closed as a slow consumer, else Netty's own cause.
     */
    Throwable sendFailure(ServerConnection c, Throwable cause) {
        if (c.closeReason == CloseReason.SLOW_CONSUMER && !(cause instanceof SlowConsumerException)
                && (cause instanceof ClosedChannelException || !c.channel.isOpen())) {
            return new SlowConsumerException(c.id, c.closeDetail);
        }
        return cause;
    }

    /** Closes {@code c} as a slow consumer, over the hard limit or the soft one (once: the first reason decided wins). */
    void slowConsumer(ServerConnection c, boolean hard, String detail) {
        if (c.closeReason == null && !c.finished) {
            ctx.observer.slowConsumer(c, hard);
            log.warn("{} closed: slow consumer: {}", c, detail);
        }
        ctx.close.close(c, CloseReason.SLOW_CONSUMER, detail, 0);
    }
}
