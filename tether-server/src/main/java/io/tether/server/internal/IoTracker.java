package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** First in the pipeline: counts bytes each way and stamps the last read, before any decoding. */
final class IoTracker extends ChannelDuplexHandler {
    private final ServerConnection conn;

    IoTracker(ServerConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            conn.onRead(b.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            conn.onWrite(b.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
