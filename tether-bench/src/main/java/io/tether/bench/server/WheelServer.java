package io.tether.bench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.FastThreadLocal;
import io.tether.bench.Args;
import io.tether.core.liveness.DeadlineWheel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The idle-deadline design of DESIGN.md on the smallest Netty pipeline: one {@link DeadlineWheel}
 * per event loop ticking every {@code --tick-ms}, one per-channel handler that is also the
 * connection's wheel entry holder, the read path a single {@code lastRead = nanoTime()} per read
 * batch. It stands in for TetherServer until that exists, and afterwards shows what the wheel
 * costs with nothing else in the pipeline.
 */
public final class WheelServer {
    private static final ByteBuf PONG = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeBytes("pong\n".getBytes(StandardCharsets.US_ASCII)));
    private static final AtomicInteger OPEN = new AtomicInteger();

    private WheelServer() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        long idleNanos = TimeUnit.MILLISECONDS.toNanos(args.longValue("idle-ms", 2000));
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(args.longValue("tick-ms", 10));
        FastThreadLocal<DeadlineWheel<Entry>> wheels = new FastThreadLocal<>();
        ServerControl.run(args, 9601, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new Conn(idleNanos, tickNanos, wheels));
            }
        }, OPEN::get);
    }

    /** One connection: the channel's handler, holding its wheel entry. */
    static final class Conn extends ChannelInboundHandlerAdapter {
        private final long idleNanos;
        private final long tickNanos;
        private final FastThreadLocal<DeadlineWheel<Entry>> wheels;
        private Entry entry;
        private DeadlineWheel<Entry> wheel;

        Conn(long idleNanos, long tickNanos, FastThreadLocal<DeadlineWheel<Entry>> wheels) {
            this.idleNanos = idleNanos;
            this.tickNanos = tickNanos;
            this.wheels = wheels;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            OPEN.incrementAndGet();
            wheel = wheels.get();
            if (wheel == null) {
                wheel = newWheel(ctx.channel().eventLoop());
                wheels.set(wheel);
            }
            entry = new Entry(ctx);
            entry.lastRead = System.nanoTime();
            wheel.schedule(entry, entry.lastRead + idleNanos);
            ctx.fireChannelActive();
        }

        private DeadlineWheel<Entry> newWheel(EventLoop loop) {
            long idle = idleNanos;
            DeadlineWheel<Entry> w = new DeadlineWheel<>(tickNanos, idle, System.nanoTime(), (e, now) -> {
                if (now - e.lastRead >= idle) {
                    e.ctx.close();
                    return DeadlineWheel.NONE;
                }
                return e.lastRead + idle;
            });
            loop.scheduleAtFixedRate(() -> w.advance(System.nanoTime()), tickNanos, tickNanos, TimeUnit.NANOSECONDS);
            return w;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            OPEN.decrementAndGet();
            if (entry != null) {
                wheel.cancel(entry);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            try {
                if (line.readableBytes() == 4 && line.getInt(line.readerIndex()) == PING) {
                    ctx.write(PONG.duplicate());
                }
            } finally {
                line.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // The whole liveness read path: one clock read and one field write per read batch.
            entry.lastRead = System.nanoTime();
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final int PING = ('p' << 24) | ('i' << 16) | ('n' << 8) | 'g';

    /** The wheel's view of a connection: two links, a due time, a slot (in Entry) plus these two fields. */
    static final class Entry extends DeadlineWheel.Entry {
        final ChannelHandlerContext ctx;
        long lastRead;

        Entry(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }
    }
}
