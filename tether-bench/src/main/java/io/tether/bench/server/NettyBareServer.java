package io.tether.bench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tether.bench.Args;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's own cost per connection, for the transport study: the bare channel with one shared
 * handler in its pipeline (no decoder, no idle timer, nothing per connection of its own), which
 * answers every line with {@code pong} so the load tool's clients work against it. Its heap per
 * connection is Netty's channel graph plus one handler context (64 B). No idle deadline: it never
 * closes a silent connection. Arguments as {@link BaselineServer}.
 */
public final class NettyBareServer {
    private NettyBareServer() {
    }

    public static void main(String[] argv) throws Exception {
        Handler handler = new Handler();
        ServerControl.run(new Args(argv), 9604, handler, handler.open::get);
    }

    @ChannelHandler.Sharable
    static final class Handler extends ChannelInboundHandlerAdapter {
        private static final ByteBuf PONG = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(5).writeBytes("pong\n".getBytes(StandardCharsets.US_ASCII)));
        final AtomicInteger open = new AtomicInteger();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            open.incrementAndGet();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                for (int i = in.readerIndex(); i < in.writerIndex(); i++) {
                    if (in.getByte(i) == '\n') {
                        ctx.write(PONG.duplicate());
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
