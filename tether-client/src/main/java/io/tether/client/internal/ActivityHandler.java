package io.tether.client.internal;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * First in the pipeline, so every byte counts: stamps the time of the last read (any byte is proof
 * the server lives, as gRPC measures) and of the last write (the server's idle deadline only sees
 * what the client sends). One nanoTime per read batch or write.
 */
final class ActivityHandler extends ChannelDuplexHandler {
    private final ClientConnection conn;

    ActivityHandler(ClientConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        conn.lastReadNanos = System.nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        conn.lastWriteNanos = System.nanoTime();
        ctx.write(msg, promise);
    }
}
