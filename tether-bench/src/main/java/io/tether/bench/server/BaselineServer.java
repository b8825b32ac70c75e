package io.tether.bench.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tether.bench.Args;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The baseline: the same job written the plain way on Netty, as most users would. Per channel an
 * {@link IdleStateHandler} (a scheduled task on the event loop) closes connections silent for the
 * idle time; a line decoder and string codec answer {@code ping} with {@code pong}. Run as its own
 * process: {@code --port P --idle-ms 2000 --workers 1}.
 */
public final class BaselineServer {
    private BaselineServer() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        long idleMs = args.longValue("idle-ms", 2000);
        Handler handler = new Handler();
        StringDecoder decoder = new StringDecoder(StandardCharsets.UTF_8);
        StringEncoder encoder = new StringEncoder(StandardCharsets.UTF_8);
        ServerControl.run(args, 9600, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new IdleStateHandler(idleMs, 0, 0, TimeUnit.MILLISECONDS),
                        new LineBasedFrameDecoder(8192), decoder, encoder, handler);
            }
        }, handler.open::get);
    }

    /** Shared by every channel; counts connections itself so the pipeline carries no extra handler. */
    @ChannelHandler.Sharable
    static final class Handler extends SimpleChannelInboundHandler<String> {
        final AtomicInteger open = new AtomicInteger();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            open.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            if (line.equals("ping")) {
                ctx.writeAndFlush("pong\n");
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
