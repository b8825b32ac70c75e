package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.text.Printable;
import io.tether.server.Framing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * A WebSocket connection's messages, to and from the parts every connection uses: the last handler
 * of its pipeline after the upgrade. Inbound, a plain client's text message is a line ({@code ping}
 * is answered {@code pong}), its binary message a message as it came; a {@code tether.v1} client's
 * binary message is one frame of the frame protocol. Outbound, it turns what the parts write into
 * WebSocket frames: a {@link Frame} into one binary message ({@code tether.v1}), a server PING into a
 * WebSocket ping and a CLOSE into a close frame (plain), a line the parts answer with ({@code pong},
 * a notice) into a text message. Close codes map both ways ({@link WebSocketCloseCodes}).
 *
 * <p>Bytes are stamped as life by the {@link ConnectionCodec} before the WebSocket decoder sees
 * them, so every WebSocket frame, control frames included, counts for the idle deadline.
 */
final class WebSocketBridge extends ChannelDuplexHandler {
    private final ServerConnection conn;
    private final int maxLength;
    /** A WebSocket-level violation's close code (1002, 1007, 1009), sent instead of the mapped reason's. */
    private int violation;
    /** The peer's close code (-1: a close frame without one), echoed as RFC 6455 asks; 0 before its close. */
    private int peerClose;
    private boolean closeSent;
    /** tether.v1 frames that came after the HELLO, waiting for the WELCOME (as ConnectionCodec holds them). */
    private ArrayDeque<ByteBuf> held;
    /**
     * A fragmented message so far (its first frame a text one when {@code partialText}), or null.
     * Kept here rather than in Netty's WebSocketFrameAggregator: one field instead of a handler and
     * its context on every connection (docs/BENCHMARKS.md, "WebSocket"). The decoder checks the
     * fragments' order and a text message's UTF-8.
     */
    private CompositeByteBuf partial;
    private boolean partialText;

    WebSocketBridge(ServerConnection conn, int maxLength) {
        this.conn = conn;
        this.maxLength = maxLength;
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                WebSocketFrame m = (WebSocketFrame) msg;
                if (m.isFinalFragment()) {
                    message(ctx, m);
                } else {
                    fragment(ctx, m, m instanceof TextWebSocketFrame);
                }
            } else if (msg instanceof ContinuationWebSocketFrame more) {
                fragment(ctx, more, partialText);
            } else if (msg instanceof PingWebSocketFrame ping) {
                if (!conn.isClosing()) {
                    ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                }
            } else if (msg instanceof PongWebSocketFrame) {
                conn.ctx.liveness.pongReceived(conn);
            } else if (msg instanceof CloseWebSocketFrame close) {
                peerClosed(close);
            }
        } catch (ProtocolException e) {
            conn.ctx.close.protocolError(conn, e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** One fragment of a message; the message goes on when its last fragment is in. */
    private void fragment(ChannelHandlerContext ctx, WebSocketFrame f, boolean text) {
        if (conn.isClosing()) {
            return;
        }
        if (partial == null) {
            partial = ctx.alloc().compositeBuffer();
            partialText = text;
        }
        partial.addComponent(true, f.content().retain());
        if (partial.readableBytes() > maxLength) {
            releasePartial();
            violation = WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
            throw new ProtocolException("WebSocket message over package_max_length " + maxLength);
        }
        if (f.isFinalFragment()) {
            WebSocketFrame whole = partialText ? new TextWebSocketFrame(partial) : new BinaryWebSocketFrame(partial);
            partial = null;
            try {
                message(ctx, whole);
            } finally {
                whole.release();
            }
        }
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private void message(ChannelHandlerContext ctx, WebSocketFrame m) {
        if (conn.isClosing()) {
            return;
        }
        ByteBuf in = m.content();
        if (conn.framing != Framing.FRAME) {
            if (m instanceof TextWebSocketFrame) {
                conn.ctx.dispatch.onLine(conn, in, in.readerIndex(), in.readableBytes()); // `ping` is answered, as on a line
            } else {
                conn.ctx.dispatch.onRaw(conn, in);
            }
            return;
        }
        if (m instanceof TextWebSocketFrame) {
            throw new ProtocolException(WebSocketTransport.SUBPROTOCOL + " carries frames in binary messages, got a text message");
        }
        if (conn.helloSeen && !conn.ready) {
            hold(ctx, in);
            return;
        }
        frame(in);
    }

    /** One binary message of a tether.v1 client: exactly one frame. */
    private void frame(ByteBuf in) {
        Frame frame = conn.helloSeen ? FrameCodec.decode(in, maxLength) : FrameCodec.decodeHello(in);
        if (frame == null || in.isReadable()) {
            throw new ProtocolException("a WebSocket message must carry exactly one frame ("
                    + (frame == null ? "it ends inside one" : in.readableBytes() + " bytes after it") + ")");
        }
        conn.ctx.dispatch.onFrame(conn, frame);
    }

    private void hold(ChannelHandlerContext ctx, ByteBuf in) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(in.retain());
        if (!conn.framesHeld) {
            conn.framesHeld = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** The WELCOME is out: frames that waited for it are read now, in order; on the loop. */
    void welcomeSent() {
        conn.framesHeld = false;
        conn.channel.config().setAutoRead(conn.channel.isWritable());
        ByteBuf in;
        while (held != null && (in = held.poll()) != null) {
            try {
                if (!conn.isClosing()) {
                    frame(in);
                }
            } catch (ProtocolException e) {
                conn.ctx.close.protocolError(conn, e);
            } finally {
                in.release();
            }
        }
        held = null;
        conn.ctx.pings.readComplete(conn);
    }

    private void peerClosed(CloseWebSocketFrame close) {
        int code = close.statusCode();
        peerClose = code > 0 ? code : -1;
        conn.closeFrameReceived = true; // as a CLOSE frame over TCP: the peer left on purpose; a session ends at once
        String reason = close.reasonText();
        conn.ctx.close.close(conn, CloseReason.PEER_CLOSED, "WebSocket close " + (code > 0 ? WebSocketCloseCodes.describe(code) : "without a code")
                + (reason == null || reason.isEmpty() ? "" : ": " + Printable.of(reason, CloseProtocol.DETAIL_CHARS)), 0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException e) {
            WebSocketCloseStatus status = e.closeStatus();
            violation = status == null ? WebSocketCloseStatus.PROTOCOL_ERROR.code() : status.code();
            conn.ctx.close.protocolError(conn, new ProtocolException(violation == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()
                    ? "WebSocket message over package_max_length " + maxLength : "WebSocket: " + e.getMessage()));
        } else if (cause instanceof CorruptedFrameException) {
            violation = WebSocketCloseStatus.PROTOCOL_ERROR.code();
            conn.ctx.close.protocolError(conn, new ProtocolException("WebSocket: " + cause.getMessage()));
        } else {
            conn.ctx.close.failed(conn, cause, false);
        }
    }

    // ------------------------------------------------------------------ outbound

    /** An application message to a plain WebSocket client: a text message when it is UTF-8, else binary. */
    static WebSocketFrame message(byte[] message) {
        ByteBuf b = Unpooled.wrappedBuffer(message);
        return ByteBufUtil.isText(b, StandardCharsets.UTF_8) ? new TextWebSocketFrame(b) : new BinaryWebSocketFrame(b);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Object out = msg;
        if (msg instanceof Frame.Close close) {
            closeSent = true;
            int code = violation != 0 ? violation : WebSocketCloseCodes.toWebSocket(close.code());
            out = new CloseWebSocketFrame(code, WebSocketCloseCodes.reasonText(close.reason()));
        } else if (msg instanceof Frame f) {
            if (conn.framing == Framing.FRAME) {
                out = new BinaryWebSocketFrame(encode(ctx, f));
            } else if (f instanceof Frame.Ping p) { // a plain client's pings are WebSocket pings: browsers answer them
                out = new PingWebSocketFrame(ctx.alloc().buffer(8).writeLong(p.id()));
            } else {
                out = new BinaryWebSocketFrame(encode(ctx, f));
            }
        } else if (msg instanceof ByteBuf line && line.isReadable()) {
            // A line the parts answer with (pong, a notice): one text message, without its newline.
            if (line.getByte(line.writerIndex() - 1) == '\n') {
                line.writerIndex(line.writerIndex() - 1);
            }
            out = new TextWebSocketFrame(line);
        }
        ctx.write(out, promise);
    }

    private static ByteBuf encode(ChannelHandlerContext ctx, Frame f) {
        ByteBuf buf = ctx.alloc().ioBuffer(FrameCodec.encodedLength(f));
        try {
            FrameCodec.encode(f, buf);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * Every WebSocket close ends with a close frame (RFC 6455, 5.5.1): one the server decided sent its
     * own ({@link #write}); when the peer closed, the server answers with the peer's code (1000 after
     * a tether.v1 CLOSE frame or a FIN). Not to a slow consumer: it would wait behind what it does not read.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!closeSent && ctx.channel().isActive() && conn.closeReason != CloseReason.SLOW_CONSUMER) {
            closeSent = true;
            CloseWebSocketFrame last = peerClose < 0 ? new CloseWebSocketFrame(true, 0, Unpooled.EMPTY_BUFFER)
                    : new CloseWebSocketFrame(peerClose > 0 ? peerClose : WebSocketCloseStatus.NORMAL_CLOSURE.code(), null);
            ctx.writeAndFlush(last).addListener(f -> ctx.close(promise));
            return;
        }
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
        if (held != null) {
            held.forEach(ByteBuf::release);
            held = null;
        }
    }
}
