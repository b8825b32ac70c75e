package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.io.IOException;

/**
 * First in the pipeline: counts bytes each way and stamps the last read, before any decoding.
 * Also watches write results: when a flush fails (RST, timeout) Netty closes the channel without
 * an exceptionCaught, and the error would otherwise be lost to the close reason.
 */
final class IoTracker extends ChannelDuplexHandler implements ChannelFutureListener {
    private final ServerConnection conn;

    IoTracker(ServerConnection conn) {
        this.conn = conn;
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        if (!f.isSuccess() && f.cause() instanceof IOException) {
            conn.failed(f.cause());
        }
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
        if (!promise.isVoid()) {
            promise.addListener(this);
        }
        ctx.write(msg, promise);
    }
}
