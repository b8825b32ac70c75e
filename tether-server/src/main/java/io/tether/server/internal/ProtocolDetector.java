package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.Framing;

/**
 * In {@code auto} mode, decides line or frame from the first byte (frame clients open with
 * 0xFF, which UTF-8 text never starts with), wires the matching decoder and steps aside.
 */
final class ProtocolDetector extends ChannelInboundHandlerAdapter {
    private final ServerConnection conn;

    ProtocolDetector(ServerConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            Framing mode = b.getByte(b.readerIndex()) == FrameCodec.PREAMBLE[0] ? Framing.FRAME : Framing.LINE;
            conn.detected(mode, ctx.pipeline(), ctx.name());
            ctx.fireChannelRead(msg); // now reaches the decoder just added after us
            ctx.pipeline().remove(this);
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
