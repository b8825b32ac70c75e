package io.tether.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.tether.core.protocol.FrameDecoder;
import io.tether.core.protocol.FrameEncoder;
import io.tether.server.Framing;

/** Builds each accepted connection's pipeline: tracker, framing, connection handler. */
@ChannelHandler.Sharable
public final class ServerInitializer extends ChannelInitializer<Channel> {
    private final ServerContext ctx;

    public ServerInitializer(ServerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void initChannel(Channel ch) {
        Framing mode = ctx.config.framing();
        ServerConnection conn = new ServerConnection(ctx.nextId.getAndIncrement(), ch, ctx, mode);
        ChannelPipeline p = ch.pipeline();
        int max = ctx.config.packageMaxLength();
        p.addLast("tracker", new IoTracker(conn));
        switch (mode) {
            case AUTO -> p.addLast("detector", new ProtocolDetector(conn));
            case LINE -> p.addLast("lineDecoder", new LineBasedFrameDecoder(max, true, true));
            case FRAME -> {
                p.addLast("frameEncoder", FrameEncoder.INSTANCE);
                p.addLast("frameDecoder", new FrameDecoder(max, true));
            }
            case RAW -> {
                // A raw message is one read; capping the read size is what enforces package_max_length.
                if (max < 65536) {
                    ch.config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(max));
                }
            }
        }
        p.addLast("connection", new ConnectionHandler(conn));
    }
}
