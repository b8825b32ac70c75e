package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import java.util.List;

/**
 * Netty's WebSocket frame decoder, telling {@link Liveness} when a frame is begun and not finished,
 * so package_timeout holds for WebSocket as for lines and frames: a client that sends a frame's
 * header and then trickles its payload a byte at a time is closed when the frame is not complete
 * within package_timeout, though each byte is life for the idle deadline.
 */
final class WebSocketFrameReader extends WebSocket13FrameDecoder {
    private final ServerConnection conn;
    /** Bytes of a frame consumed (its header) and the frame not out yet. */
    private boolean inFrame;
    /** A frame came out in this read batch. */
    private boolean progressed;

    WebSocketFrameReader(WebSocketDecoderConfig config, ServerConnection conn) {
        super(config);
        this.conn = conn;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        int before = in.readerIndex();
        int emitted = out.size();
        super.decode(ctx, in, out);
        if (out.size() > emitted) {
            inFrame = false;
            progressed = true;
        } else if (in.readerIndex() != before) {
            inFrame = true;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (!conn.isClosing()) {
            conn.ctx.liveness.afterDecode(conn, inFrame || internalBuffer().isReadable(), progressed);
        }
        progressed = false;
        super.channelReadComplete(ctx);
    }

    /** What is unfinished, for a package_timeout's close detail. */
    String unfinished() {
        return "WebSocket frame (" + (inFrame ? "header read, " : "") + internalBuffer().readableBytes() + " bytes buffered)";
    }
}
