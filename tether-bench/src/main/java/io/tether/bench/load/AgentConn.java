package io.tether.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client connection of a {@link ClientAgent}. All state is touched on the agent's single
 * event loop only. Sharable because a reconnect puts the same object in a new pipeline (it is
 * never in two at once).
 */
@ChannelHandler.Sharable
final class AgentConn extends ChannelInboundHandlerAdapter {
    private static final ByteBuf PING = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeBytes("ping\n".getBytes(StandardCharsets.US_ASCII)));
    private static final ByteBuf LAST = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(5).writeBytes("last\n".getBytes(StandardCharsets.US_ASCII)));

    private final ClientAgent agent;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private boolean reconnect;
    private Bootstrap bootstrap;
    private Channel channel;
    private long pingSent;
    private long blastEnd;
    private long silentT0;
    private boolean silentClosed;
    private boolean forGood;
    private int attempts;

    AgentConn(ClientAgent agent, InetSocketAddress remote, InetSocketAddress local, boolean reconnect) {
        this.agent = agent;
        this.remote = remote;
        this.local = local;
        this.reconnect = reconnect;
    }

    void connect(Bootstrap b, Consumer<Boolean> done) {
        bootstrap = b;
        ChannelFuture f = b.clone().handler(this).connect(remote, local);
        f.addListener(x -> {
            if (f.isSuccess()) {
                channel = f.channel();
                attempts = 0;
                agent.connected.incrementAndGet();
                if (!reconnect || done != null) {
                    // Every connection speaks once when first opened: a lateness-test connection so the
                    // server's idle clock starts from this read even if the paced pings reach it late
                    // while thousands connect; a held one because real clients say something, and the
                    // heap of a connection that has read once is the figure that matters (Netty's
                    // receive-buffer state, any per-connection state created on first use).
                    ping();
                }
            }
            if (done != null) {
                done.accept(f.isSuccess());
            } else if (!f.isSuccess()) {
                scheduleReconnect();
            }
        });
    }

    /** Backoff 100 ms doubling to 1 s, with +-50 % jitter so a restarted server is not hit all at once. */
    private void scheduleReconnect() {
        if (!reconnect || forGood) {
            return;
        }
        long base = Math.min(1000, 100L << Math.min(attempts, 4));
        attempts++;
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base);
        agent.loop.schedule(() -> {
            if (!forGood) {
                connect(bootstrap, null);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    void ping() {
        if (channel != null && channel.isActive() && pingSent == 0 && silentT0 == 0) {
            pingSent = System.nanoTime();
            agent.sent++;
            channel.writeAndFlush(PING.duplicate(), channel.voidPromise());
        }
    }

    void startBlast(long end) {
        blastEnd = end;
        ping();
    }

    /** Sends this connection's last bytes and records when (T0); false when it is not open. */
    boolean goSilent() {
        if (channel == null || !channel.isActive() || silentT0 != 0) {
            return false;
        }
        reconnect = false;
        silentT0 = System.nanoTime();
        channel.writeAndFlush(LAST.duplicate(), channel.voidPromise());
        return true;
    }

    boolean silentAndOpen() {
        return silentT0 != 0 && !silentClosed;
    }

    void closeForGood() {
        forGood = true;
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        int lines = 0;
        for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
            if (buf.getByte(i) == '\n') {
                lines++;
            }
        }
        buf.release();
        long now = System.nanoTime();
        for (int i = 0; i < lines; i++) {
            agent.received++;
            if (pingSent != 0) {
                agent.rtt.recordValue(Math.min(now - pingSent, Histograms.HIGHEST));
                pingSent = 0;
            }
        }
        if (blastEnd != 0) {
            if (now < blastEnd) {
                ping();
            } else {
                blastEnd = 0;
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        agent.connected.decrementAndGet();
        pingSent = 0;
        if (silentT0 != 0 && !silentClosed) {
            silentClosed = true;
            agent.closeDelay.recordValue(Math.min(now - silentT0, Histograms.HIGHEST));
        } else {
            scheduleReconnect();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
