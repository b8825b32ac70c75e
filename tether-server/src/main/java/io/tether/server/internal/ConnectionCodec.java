package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.ProtocolException;
import io.tether.server.Framing;
import io.tether.server.SlowConsumerException;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.List;

/**
 * The one handler in each connection's pipeline. It stamps reads and counts bytes, detects the
 * framing, cuts messages ({@link LineSplitter}, {@link FrameCodec}) and hands them to
 * {@link MessageDispatch}, reports socket events to {@link CloseProtocol}, and encodes outgoing
 * frames.
 *
 * <p>Why one handler and not Netty's usual chain of small ones: each handler in a pipeline costs
 * a context (~64 B) plus itself, per connection. A long-connection server holds its connections
 * idle most of the time, so per-connection bytes are the figure that matters (docs/BENCHMARKS.md);
 * the decoding jobs stay in their own small classes.
 *
 * <p>Write results are watched too: when a flush fails (RST, timeout), Netty closes the channel
 * without an exceptionCaught, and the error would otherwise be lost to the close reason.
 *
 * <p>Every write passes {@link OutboundLimits} first (the hard limit, the soft limit's clock), and
 * a change of writability pauses or resumes reading (backpressure).
 */
final class ConnectionCodec extends ByteToMessageDecoder implements ChannelOutboundHandler, ChannelFutureListener {
    private final ServerConnection conn;
    private final int maxLength;
    private Framing mode;
    /** Readable bytes of an unfinished line already searched for its newline ({@link LineSplitter}). */
    private int scanned;
    private boolean preambleChecked;
    private boolean failed;

    ConnectionCodec(ServerConnection conn, Framing mode, int maxLength) {
        this.conn = conn;
        this.mode = mode;
        this.maxLength = maxLength;
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        conn.ctx.registry.open(conn);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf b) {
            conn.onRead(b.readableBytes());
            if (mode == Framing.RAW) {
                try {
                    conn.ctx.dispatch.onRaw(conn, b); // a raw message is one read: no cumulation needed
                } finally {
                    b.release();
                }
                return;
            }
            if (mode == Framing.WEBSOCKET && !internalBuffer().isReadable()) {
                ctx.fireChannelRead(b); // to the HTTP / WebSocket codec behind this handler (WebSocketTransport)
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        boolean progressed = false;
        try {
            if (mode == Framing.AUTO) {
                Framing detected = FirstBytes.framing(in, conn.ctx.websocket != null);
                if (detected == null) { // "GE": a line, or an HTTP GET still coming
                    conn.ctx.liveness.afterDecode(conn, true, false);
                    return;
                }
                mode = detected;
                conn.ctx.dispatch.detected(conn, mode); // may close it: a socket refused at accept is answered now
            }
            if (mode == Framing.WEBSOCKET) {
                conn.ctx.liveness.afterDecode(conn, false, true); // the WebSocket codec has its own limits
                if (!conn.isClosing()) {
                    out.add(in.readRetainedSlice(in.readableBytes()));
                }
                return;
            }
            if (mode == Framing.LINE) {
                while (!conn.isClosing()) {
                    int start = in.readerIndex();
                    int length = LineSplitter.next(in, scanned, maxLength);
                    if (length < 0) {
                        scanned = in.readableBytes();
                        break;
                    }
                    scanned = 0;
                    progressed = true;
                    conn.ctx.dispatch.onLine(conn, in, start, length);
                }
            } else if (!conn.isClosing()) {
                if (!preambleChecked) {
                    if (in.readableBytes() < FrameCodec.PREAMBLE.length) {
                        conn.ctx.liveness.afterDecode(conn, true, false);
                        return;
                    }
                    FrameCodec.readPreamble(in);
                    preambleChecked = true;
                    progressed = true;
                }
                Frame frame;
                while (!conn.isClosing() && (frame = nextFrame(ctx, in)) != null) {
                    progressed = true;
                    conn.ctx.dispatch.onFrame(conn, frame);
                }
            }
            if (conn.isClosing()) {
                in.skipBytes(in.readableBytes()); // closing on purpose: the rest is not read
            } else {
                conn.ctx.liveness.afterDecode(conn, in.isReadable(), progressed);
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    /**
     * The next complete frame, or null. The first must be a HELLO within the protocol's fixed HELLO
     * limit (FrameCodec.MAX_HELLO_LENGTH), judged from its header. Frames a client sent after its
     * HELLO without waiting for the WELCOME are read only once the WELCOME is out (a resume that
     * takes a session over answers later, from another loop): until then they wait in the buffer
     * with reading paused, so the WELCOME is always the first frame the client gets and what
     * follows it is judged as coming after it (docs/PROTOCOL.md, Handshake).
     */
    private Frame nextFrame(ChannelHandlerContext ctx, ByteBuf in) {
        if (!conn.helloSeen) {
            return FrameCodec.decodeHello(in);
        }
        if (!conn.ready) {
            if (in.isReadable() && !conn.framesHeld) {
                conn.framesHeld = true;
                ctx.channel().config().setAutoRead(false);
            }
            return null;
        }
        return FrameCodec.decode(in, maxLength);
    }

    /**
     * The WELCOME went out after frames were held for it ({@link #nextFrame}): reads again (unless
     * backpressure holds it) and handles what waited, as the read batch it came in would have; on
     * the connection's loop.
     */
    void welcomeSent() {
        ChannelHandlerContext ctx = conn.channel.pipeline().context(this);
        if (!conn.framesHeld || ctx == null) {
            return;
        }
        conn.framesHeld = false;
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        try {
            super.channelRead(ctx, Unpooled.EMPTY_BUFFER); // decodes the bytes held in the cumulation
        } catch (Exception e) {
            exceptionCaught(ctx, e);
        }
        channelReadComplete(ctx);
    }

    /**
     * What the buffered bytes of an unfinished message are, for a package_timeout's close detail;
     * on the connection's loop.
     */
    String unfinished() {
        return UnfinishedMessage.describe(internalBuffer(), mode, preambleChecked, conn.channel);
    }

    /**
     * The peer half-closed (FIN) with an unterminated line in the buffer: that line is its last
     * message, delivered like any other (ByteToMessageDecoder calls this on the FIN, before
     * {@link #userEventTriggered} tells CloseProtocol, and again, with nothing left, when the
     * channel goes inactive). A cut-off frame is not a frame: it is dropped.
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!in.isReadable()) {
            return;
        }
        decode(ctx, in, out);
        if (mode == Framing.LINE && !failed && !conn.isClosing() && in.isReadable()) {
            int start = in.readerIndex();
            scanned = 0;
            conn.ctx.dispatch.onLine(conn, in, start, LineSplitter.rest(in, maxLength));
        }
    }

    /**
     * The read batch is over: the pongs written during it go out in one flush. Unlike
     * ByteToMessageDecoder's, never asks for a read: that one reads again when autoRead is off and
     * nothing was passed down the pipeline, which is always here (messages go to MessageDispatch),
     * and would undo the pause for backpressure.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        discardSomeReadBytes();
        conn.ctx.pings.readComplete(conn);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        conn.ctx.limits.writabilityChanged(conn);
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * A FIN: the superclass decodes what is left ({@link #decodeLast}) before CloseProtocol hears of
     * it, so what the peer sent last is delivered, and answered, before the server closes.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        super.userEventTriggered(ctx, evt);
        if (evt instanceof ChannelInputShutdownEvent) {
            conn.ctx.close.peerClosed(conn);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        conn.ctx.close.failed(conn, cause, false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx);
        } finally {
            conn.ctx.close.finish(conn);
        }
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        int bytes = msg instanceof Frame f ? FrameCodec.encodedLength(f) : msg instanceof ByteBuf b ? b.readableBytes() : -1;
        if (bytes >= 0) {
            SlowConsumerException refused = conn.ctx.limits.admit(conn, bytes);
            if (refused != null) {
                ReferenceCountUtil.release(msg); // not passed on: released here
                if (!promise.isVoid()) {
                    promise.tryFailure(refused);
                }
                return;
            }
        }
        Object out = msg;
        if (msg instanceof Frame f) {
            // Allocated at its final size (one allocation, no growth half-way through), and owned here
            // until ctx.write takes it: if encoding throws, it is released and the throw fails the write.
            ByteBuf buf = ctx.alloc().ioBuffer(bytes);
            boolean encoded = false;
            try {
                FrameCodec.encode(f, buf);
                encoded = true;
            } finally {
                if (!encoded) {
                    buf.release();
                }
            }
            out = buf;
        }
        if (bytes >= 0) {
            conn.onWrite(bytes);
        }
        if (!promise.isVoid()) {
            promise.addListener(this);
        }
        ctx.write(out, promise);
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        // Once a close is decided, failed writes are its consequence (queued data dropped on close).
        if (!f.isSuccess() && f.cause() instanceof IOException && !conn.isClosing()) {
            conn.ctx.close.failed(conn, f.cause(), true);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        ctx.connect(remote, local, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }
}
