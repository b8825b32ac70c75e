package io.tether.server.internal;

import io.netty.buffer.Unpooled;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.SlowConsumerException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the application sends: framed for the connection's framing (a line, a DATA frame, raw
 * bytes), or handed to the session layer on a sequenced session. Until the framing is known
 * (framing auto, before the first byte; or before a frame client's WELCOME) sends are held and
 * go out in order once it is, so a message sent from onConnect is never lost or reordered. Held
 * bytes count against outbound_hard_limit like queued ones ({@link OutboundLimits}).
 */
final class Outbound {
    private static final byte[] NEWLINE = {'\n'};

    private final ServerContext ctx;
    private final long hardLimit;

    /** A send waiting for the framing to be known. */
    record Held(byte[] message, CompletableFuture<Void> future) {
    }

    /** The held sends of one connection and their bytes; exists only while something is held. */
    static final class HeldSends extends ArrayList<Held> {
        private static final long serialVersionUID = 1L;
        long bytes;

        HeldSends() {
            super(2);
        }
    }

    Outbound(ServerContext ctx) {
        this.ctx = ctx;
        this.hardLimit = ctx.config.outboundHardLimit();
    }

    /** {@code Connection.send}, from any thread. */
    CompletableFuture<Void> send(ServerConnection c, byte[] message) {
        if (c.sequenced) {
            return ctx.sessions.send(c, message);
        }
        return sendPlain(c, message);
    }

    /** Sends without the session layer, from any thread. */
    CompletableFuture<Void> sendPlain(ServerConnection c, byte[] message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (c.ready) {
            write(c, message, f);
        } else {
            c.channel.eventLoop().execute(() -> sendOnLoop(c, message, f));
        }
        return f;
    }

    private void sendOnLoop(ServerConnection c, byte[] message, CompletableFuture<Void> f) {
        if (c.ready) {
            write(c, message, f);
        } else if (c.closeReason != null || c.finished) {
            f.completeExceptionally(c.closeReason == CloseReason.SLOW_CONSUMER
                    ? new SlowConsumerException(c.id, c.closeDetail)
                    : new IllegalStateException("connection " + c.id + " is closed"));
        } else {
            if (c.held == null) {
                c.held = new HeldSends();
            }
            long bytes = c.held.bytes + message.length;
            if (hardLimit > 0 && bytes > hardLimit) {
                // Nothing reads them yet (no framing, no WELCOME): the same limit as for queued bytes.
                String detail = bytes + " bytes held before the handshake, over outbound_hard_limit " + hardLimit;
                ctx.limits.slowConsumer(c, true, detail);
                f.completeExceptionally(new SlowConsumerException(c.id, detail));
                return;
            }
            c.held.bytes = bytes;
            c.held.add(new Held(message, f));
        }
    }

    private void write(ServerConnection c, byte[] message, CompletableFuture<Void> f) {
        Object out = switch (c.framing) {
            case FRAME -> new Frame.Data(message);
            case LINE -> Unpooled.wrappedBuffer(message, NEWLINE);
            case WEBSOCKET -> WebSocketBridge.message(message);
            default -> Unpooled.wrappedBuffer(message);
        };
        c.channel.writeAndFlush(out).addListener(cf -> {
            if (cf.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(ctx.limits.sendFailure(c, cf.cause()));
            }
        });
    }

    /**
     * The framing is known (and a frame client has its WELCOME): held sends go out first; only then
     * may other threads write directly, or a later message could overtake an earlier one.
     */
    void ready(ServerConnection c) {
        List<Held> held = c.held;
        if (held != null) {
            c.held = null;
            for (Held h : held) {
                if (c.sequenced) {
                    ctx.sessions.send(c, h.message()).whenComplete((v, e) -> {
                        if (e == null) {
                            h.future().complete(null);
                        } else {
                            h.future().completeExceptionally(e);
                        }
                    });
                } else {
                    write(c, h.message(), h.future());
                }
            }
        }
        c.ready = true;
    }

    /** The connection is gone: held sends fail. */
    void failHeld(ServerConnection c) {
        if (c.held != null) {
            for (Held h : c.held) {
                h.future().completeExceptionally(c.closeReason == CloseReason.SLOW_CONSUMER
                        ? new SlowConsumerException(c.id, c.closeDetail)
                        : new IllegalStateException("connection " + c.id + " closed before sending"));
            }
            c.held = null;
        }
    }

    /** True for framings where a connection can carry messages from its first byte on. */
    static boolean readyAtOnce(Framing f) {
        return f == Framing.LINE || f == Framing.RAW;
    }
}
