package io.tether.server.internal;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.tether.server.Framing;

/**
 * Gives each accepted socket its connection and its pipeline: the TLS step when {@code ssl_cert_file}
 * is set ({@link ServerTls}), then the one handler that reads and writes plaintext.
 */
@ChannelHandler.Sharable
public final class ServerInitializer extends ChannelInitializer<Channel> {
    private final ServerContext ctx;
    /**
     * Shared by every channel, and so is each event loop's handle ({@link LoopRecvByteBufAllocator}):
     * no receive state per connection.
     */
    private final RecvByteBufAllocator recvAllocator;
    /** buffer_low_watermark / buffer_high_watermark, one object for every channel. */
    private final WriteBufferWaterMark waterMark;
    /** TLS for every connection, or null. */
    private final ServerTls tls;

    /** Without TLS. */
    public ServerInitializer(ServerContext ctx) {
        this(ctx, null);
    }

    public ServerInitializer(ServerContext ctx, ServerTls tls) {
        this.ctx = ctx;
        this.tls = tls;
        int max = ctx.config.packageMaxLength();
        // In raw mode a message is one read, so capping the read size is what enforces package_max_length.
        this.recvAllocator = new LoopRecvByteBufAllocator(ctx.config.framing() == Framing.RAW && max < 65536
                ? new FixedRecvByteBufAllocator(max) : new AdaptiveRecvByteBufAllocator());
        this.waterMark = new WriteBufferWaterMark(ctx.config.bufferLowWatermark(), ctx.config.bufferHighWatermark());
    }

    @Override
    protected void initChannel(Channel ch) {
        Framing mode = ctx.config.framing();
        ServerConnection conn = new ServerConnection(ctx.registry.nextId(), ch, ctx, mode);
        ch.config().setRecvByteBufAllocator(recvAllocator);
        ch.config().setWriteBufferWaterMark(waterMark);
        ch.config().setMessageSizeEstimator(FrameSizeEstimator.INSTANCE);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.newHandler(ch, conn));
        }
        ch.pipeline().addLast("tether", new ConnectionCodec(conn, mode, ctx.config.packageMaxLength()));
        if (mode == Framing.WEBSOCKET) {
            ctx.websocket.install(conn, ch.pipeline());
        }
    }
}
