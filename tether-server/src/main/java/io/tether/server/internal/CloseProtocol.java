package io.tether.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.core.close.CloseClassifier;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.text.Printable;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way out of a connection. {@link #close} decides the reason once (the first decision
 * wins) and tells a live peer why (a CLOSE frame, or an {@code error} line); {@link #finish} runs
 * when the channel is gone, settles the reason if nobody decided one (the peer closed), and fires
 * the session layer's and the application's close events exactly once.
 */
final class CloseProtocol {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    /** Longest text of the peer's a close detail shows (Printable cuts it and says how long it was). */
    static final int DETAIL_CHARS = 200;

    private final ServerContext ctx;
    private final boolean keepaliveOn;
    private final long graceNanos;

    CloseProtocol(ServerContext ctx, ServerConfig config) {
        this.ctx = ctx;
        this.keepaliveOn = config.openTcpKeepalive();
        this.graceNanos = config.shutdownTimeout().toNanos();
    }

    /**
     * Closes {@code c} with {@code reason} unless a reason was already decided; any thread.
     * {@code wireCode} replaces the reason's own code in a frame client's CLOSE (the session
     * layer's codes, 1100 and up); 0 keeps it.
     */
    void close(ServerConnection c, CloseReason reason, String detail, int wireCode) {
        if (!c.channel.eventLoop().inEventLoop()) {
            c.channel.eventLoop().execute(() -> close(c, reason, detail, wireCode));
            return;
        }
        if (c.closeReason != null || c.finished) {
            return;
        }
        if (c.refusing()) {
            // Refused at accept, whatever ends its wait (its first byte, a FIN, shutdown): its one reason is the refusal.
            c.closeReason = CloseReason.LIMIT_REACHED;
        } else {
            c.closeReason = reason;
            c.closeCode = (char) wireCode;
            c.closeDetail = detail == null ? "" : detail;
        }
        CloseReason decided = c.closeReason;
        ctx.liveness.stop(c);
        if (!c.channel.isActive()) {
            c.channel.close();
            finish(c);
            return;
        }
        Object farewell = farewell(c, decided, c.closeDetail);
        boolean flushFirst = decided == CloseReason.CLOSED_BY_SERVER || decided == CloseReason.SHUTDOWN
                || decided == CloseReason.PEER_CLOSED;
        if (flushFirst) {
            // Let queued data reach a live peer, but never wait on it (nor, after a FIN, on what is
            // owed to it) for longer than shutdown_timeout; the timer goes as soon as the channel
            // closes, so it keeps no closed connection reachable. The close events fire from
            // channelInactive once the flush is done.
            if (decided == CloseReason.PEER_CLOSED) {
                closeWhenAnswered(c);
            } else {
                c.channel.writeAndFlush(farewell == null ? Unpooled.EMPTY_BUFFER : farewell).addListener(ChannelFutureListener.CLOSE);
            }
            if (c.channel.isOpen()) {
                ScheduledFuture<?> grace = c.channel.eventLoop().schedule(() -> {
                    c.channel.close();
                }, graceNanos, TimeUnit.NANOSECONDS);
                c.channel.closeFuture().addListener(f -> grace.cancel(false));
            }
        } else {
            if (farewell != null) {
                c.channel.writeAndFlush(farewell);
            }
            // Closed at once on this loop: the close events fire now, not one pipeline event later.
            c.channel.close();
            finish(c);
        }
    }

    /**
     * What a live peer is told on the way out, or null. A frame client (its first byte was 0xFF, or
     * the server speaks only frames) gets a CLOSE frame even before its HELLO: a bad preamble, a
     * first frame that is not HELLO, a refusal at accept. A line client gets an {@code error} line
     * for what it must change (a protocol error, too many pings, a limit reached). Under framing auto
     * before the first byte the framing is unknown, and the peer is told nothing.
     */
    private static Object farewell(ServerConnection c, CloseReason reason, String detail) {
        if (reason == CloseReason.PEER_CLOSED || reason == CloseReason.PEER_RESET) {
            return null;
        }
        if (reason == CloseReason.SLOW_CONSUMER) {
            // It would queue behind what the client is not reading, and be dropped with it at once.
            return null;
        }
        String text = detail.isEmpty() ? reason.text() : reason.text() + ": " + detail;
        if (c.framing == Framing.WEBSOCKET && !c.ready) {
            // Still HTTP: a refusal is an HTTP status (its wire code when the upgrade step chose one).
            int status = c.closeCode > 0 ? c.closeCode : reason == CloseReason.PROTOCOL_ERROR ? 400
                    : reason == CloseReason.LIMIT_REACHED || reason == CloseReason.SHUTDOWN ? 503 : 0;
            return status == 0 ? null : WebSocketTransport.refusal(status, text);
        }
        if (c.framing == Framing.FRAME || c.framing == Framing.WEBSOCKET) { // WebSocketBridge makes it a close frame
            return new Frame.Close(c.closeCode > 0 ? c.closeCode : reason.code(), c.closeCode > 0 ? detail : text);
        }
        if (c.framing == Framing.LINE && (reason == CloseReason.PROTOCOL_ERROR || reason == CloseReason.TOO_MANY_PINGS
                || reason == CloseReason.LIMIT_REACHED)) {
            return Unpooled.copiedBuffer("error " + text + "\n", StandardCharsets.UTF_8);
        }
        return null;
    }

    /** The peer half-closed (FIN). */
    void peerClosed(ServerConnection c) {
        close(c, CloseReason.PEER_CLOSED, "", 0);
    }

    /**
     * The peer will send nothing more (its FIN, or a CLOSE frame), but what it sent before is still
     * answered: pongs waiting on the health checks, and, when handlers run on an executor, the
     * replies the handler calls already queued for it send before they return. Then the server
     * flushes and closes. Bounded by the grace timer (shutdown_timeout) {@link #close} started.
     */
    private void closeWhenAnswered(ServerConnection c) {
        c.owed++;
        if (!ctx.events.afterHandlers(c, () -> {
            c.owed--;
            answered(c);
        })) {
            c.owed--; // handlers run on the loop: every one called so far has returned
        }
        answered(c);
    }

    /**
     * Something owed to {@code c}'s peer was sent (or given up); on the loop. Once nothing is owed
     * to a peer that closed, the server flushes and closes its side. Exactly once: {@code owed}
     * reaches 0 once after a FIN, because nothing new is read after it.
     */
    void answered(ServerConnection c) {
        if (c.owed == 0 && c.closeReason == CloseReason.PEER_CLOSED && !c.finished && c.channel.isOpen()) {
            c.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A socket error; {@code onWrite} when it failed a write (see {@link CloseClassifier}). */
    void failed(ServerConnection c, Throwable cause, boolean onWrite) {
        CloseReason reason = CloseClassifier.classify(cause, c.channel, keepaliveOn, onWrite);
        if (reason == CloseReason.PROTOCOL_ERROR) {
            protocolError(c, cause);
            return;
        }
        if (reason == CloseReason.ERROR) {
            log.warn("{} failed", c, cause);
        } else if (log.isDebugEnabled()) {
            log.debug("{} socket error: {}", c, cause.toString());
        }
        close(c, reason, String.valueOf(cause.getMessage()), 0);
    }

    /** The client broke the protocol: logged once, closed with the rule it broke as the detail. */
    void protocolError(ServerConnection c, Throwable cause) {
        Throwable t = cause.getCause() instanceof ProtocolException ? cause.getCause() : cause;
        // A detail may quote what the peer sent: escaped and cut for the log line and the close detail.
        String detail = t.getMessage() == null ? t.getClass().getSimpleName() : Printable.of(t.getMessage(), DETAIL_CHARS);
        if (c.closeReason == null) {
            log.warn("{} closed: protocol error: {}", c, detail);
        }
        close(c, CloseReason.PROTOCOL_ERROR, detail, 0);
    }

    /** The channel is gone: settle the reason once, fire the close events once. */
    void finish(ServerConnection c) {
        if (c.finished) {
            return;
        }
        c.finished = true;
        ctx.liveness.stop(c);
        if (c.closeReason == null) {
            c.closeReason = c.refusing() ? CloseReason.LIMIT_REACHED : CloseReason.PEER_CLOSED;
        }
        ctx.registry.release(c);
        ctx.outbound.failHeld(c);
        CloseInfo info = new CloseInfo(c.closeReason, Duration.ofNanos(c.silentNanos(ctx.ticker.nanoTime())), c.closeDetail);
        ctx.observer.closed(c, info);
        if (ctx.sessions != null) {
            ctx.sessions.closed(c, info, c.closeFrameReceived);
        }
        ctx.events.close(c, info);
        ctx.registry.remove(c);
    }
}
