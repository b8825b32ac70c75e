package io.tether.server.session;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.FrameDecoder;
import io.tether.core.protocol.FrameEncoder;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated game client for the chaos test, speaking the frame protocol with sessions the way
 * the client SDK must: HELLO with its token and received sequence, numbered messages kept until
 * acknowledged and resent after a resume, duplicates dropped by sequence, an ACK per read batch,
 * PONG for every PING. Every field is touched only on its one event loop.
 *
 * <p>Its life is a loop of: connect, live for a while sending "m N" messages, then one fate:
 * graceful CLOSE, RST, vanish (stop reading and writing, socket left open), or a blip (FIN, RST
 * or silence) followed by a resume within the window. After the chaos deadline it takes no new
 * fate: a blipping client resumes and stays, a departed one stays away.
 */
final class SimClient {
    enum Phase { WAITING, HANDSHAKE, LIVE, BLIP, VANISHED, GONE }

    /** Counters shared by every client (written from client loops, read by the test). */
    static final class Stats {
        final AtomicLong graceful = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong vanished = new AtomicLong();
        final AtomicLong blips = new AtomicLong();
        final AtomicLong silentBlips = new AtomicLong();
        final AtomicLong resumed = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong unexpectedCloses = new AtomicLong();
        final AtomicLong newSessions = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong resent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicLong duplicatesDropped = new AtomicLong();
        final AtomicLong violations = new AtomicLong();
        volatile String firstViolation;
        /** The fate each abandoned session met, by session id: what its offline reason must match. */
        final java.util.Map<String, String> fates = new java.util.concurrent.ConcurrentHashMap<>();

        void violation(String what) {
            if (violations.incrementAndGet() == 1) {
                firstViolation = what;
            }
        }
    }

    private record Out(long seq, byte[] payload) {
    }

    final String user;
    private final int slot;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress server;
    private final Random rnd;
    private final Stats stats;
    private final long deadline;

    private Channel ch;
    volatile Phase phase = Phase.WAITING;
    private byte[] token;
    private long nextSeq = 1;
    private final ArrayDeque<Out> unacked = new ArrayDeque<>();
    private long receivedSeq;
    private long ackedSent;
    private boolean resuming;
    // application level, per session
    volatile String sessionId;
    volatile long lastS;      // last "s N" from the server
    volatile long appSent;    // last "m N" generated
    volatile int unackedCount;
    private long fateAt;

    SimClient(int slot, EventLoop loop, Bootstrap bootstrap, InetSocketAddress server, long seed, Stats stats, long deadline) {
        this.slot = slot;
        this.user = "u" + slot;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.server = server;
        this.rnd = new Random(seed);
        this.stats = stats;
        this.deadline = deadline;
    }

    void start(long delayMs) {
        loop.schedule(() -> connect(false), delayMs, TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(this::tick, 200 + rnd.nextInt(800), 1000, TimeUnit.MILLISECONDS);
    }

    private boolean chaosOver() {
        return System.nanoTime() - deadline >= 0;
    }

    /** True when the client is connected on a resumed or new session and everything it sent is acknowledged. */
    boolean settled() {
        return phase == Phase.LIVE && sessionId != null && unackedCount == 0;
    }

    boolean live() {
        Phase p = phase;
        return p == Phase.LIVE || p == Phase.HANDSHAKE || p == Phase.BLIP;
    }

    // ------------------------------------------------------------------ connecting

    private void connect(boolean resume) {
        if (!resume) {
            token = null;
            nextSeq = 1;
            unacked.clear();
            unackedCount = 0;
            receivedSeq = 0;
            ackedSent = 0;
            sessionId = null;
            lastS = 0;
            appSent = 0;
        }
        resuming = resume;
        phase = Phase.HANDSHAKE;
        Bootstrap b = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(FrameEncoder.INSTANCE, new FrameDecoder(1 << 20, false), new Handler());
            }
        });
        b.connect(server).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                stats.unexpectedCloses.incrementAndGet();
                loop.schedule(() -> connect(resuming), 100 + rnd.nextInt(200), TimeUnit.MILLISECONDS);
                return;
            }
            ch = f.channel();
            ch.write(Unpooled.wrappedBuffer(FrameCodec.PREAMBLE));
            ch.writeAndFlush(new Frame.Hello(user, 0, resuming ? token : null, resuming ? receivedSeq : 0));
        });
    }

    private final class Handler extends SimpleChannelInboundHandler<Frame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
            if (ctx.channel() != ch) {
                return; // an abandoned connection (vanished or silently blipped)
            }
            onFrame(f);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.channel() == ch && phase == Phase.LIVE && receivedSeq > ackedSent) {
                ackedSent = receivedSeq;
                ch.writeAndFlush(new Frame.Ack(receivedSeq));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() != ch || (phase != Phase.LIVE && phase != Phase.HANDSHAKE)) {
                return;
            }
            // Closed under us (server ping timeout on a slow loop, ...): come back with the token.
            stats.unexpectedCloses.incrementAndGet();
            ch = null;
            phase = Phase.BLIP;
            loop.schedule(() -> connect(token != null), 50 + rnd.nextInt(200), TimeUnit.MILLISECONDS);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private void onFrame(Frame f) {
        if (f instanceof Frame.Welcome w) {
            onWelcome(w);
        } else if (f instanceof Frame.SeqData d) {
            onSeqData(d);
        } else if (f instanceof Frame.Ack a) {
            while (!unacked.isEmpty() && unacked.peekFirst().seq() <= a.seq()) {
                unacked.pollFirst();
            }
            unackedCount = unacked.size();
        } else if (f instanceof Frame.Ping p) {
            ch.writeAndFlush(new Frame.Pong(p.id(), true, ""));
        } else if (f instanceof Frame.Close c) {
            Channel old = ch;
            ch = null;
            old.close();
            if (c.code() == EndReason.RESUME_REFUSED_CODE || c.code() == EndReason.UNRECOVERABLE_CODE) {
                stats.refused.incrementAndGet();
                phase = Phase.WAITING;
                loop.schedule(() -> connect(false), 100, TimeUnit.MILLISECONDS);
            } else {
                stats.unexpectedCloses.incrementAndGet();
                phase = Phase.BLIP;
                loop.schedule(() -> connect(token != null), 50 + rnd.nextInt(200), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void onWelcome(Frame.Welcome w) {
        token = w.resumeToken();
        phase = Phase.LIVE;
        if (resuming) {
            if (!w.resumed()) {
                stats.violation(user + ": resume answered with a new session");
            }
            stats.resumed.incrementAndGet();
            // The server has our messages up to w.receivedSeq(); resend the rest, in order.
            while (!unacked.isEmpty() && unacked.peekFirst().seq() <= w.receivedSeq()) {
                unacked.pollFirst();
            }
            for (Out o : unacked) {
                ch.write(new Frame.SeqData(o.seq(), o.payload()));
                stats.resent.incrementAndGet();
            }
            unackedCount = unacked.size();
        } else {
            stats.newSessions.incrementAndGet();
            send("login " + user);
        }
        ackedSent = -1; // acknowledge what we hold at the next read batch
        ch.flush();
        if (!chaosOver()) {
            fateAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000 + rnd.nextInt(8000));
        }
    }

    private void onSeqData(Frame.SeqData d) {
        if (d.seq() <= receivedSeq) {
            stats.duplicatesDropped.incrementAndGet();
            return;
        }
        if (d.seq() != receivedSeq + 1) {
            stats.violation(user + ": server seq " + d.seq() + " after " + receivedSeq);
        }
        receivedSeq = d.seq();
        stats.received.incrementAndGet();
        String text = d.text();
        if (text.startsWith("s ")) {
            long n = Long.parseLong(text.substring(2));
            if (n != lastS + 1) {
                stats.violation(user + ": message s " + n + " after s " + lastS);
            }
            lastS = n;
        } else if (text.startsWith("w ")) {
            sessionId = text.substring(2);
        }
    }

    /** Numbers a message and sends it now if connected, or keeps it for after the resume. */
    private void send(String text) {
        Out o = new Out(nextSeq++, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        unacked.addLast(o);
        unackedCount = unacked.size();
        stats.sent.incrementAndGet();
        if (phase == Phase.LIVE && ch != null) {
            ch.writeAndFlush(new Frame.SeqData(o.seq(), o.payload()));
        }
    }

    // ------------------------------------------------------------------ behaviour

    private void tick() {
        boolean over = chaosOver();
        if ((phase == Phase.LIVE || phase == Phase.BLIP) && sessionId != null && !over) {
            appSent++;
            send("m " + appSent);
        }
        if (phase == Phase.LIVE && !over && System.nanoTime() - fateAt >= 0) {
            fate();
        }
    }

    private void fate() {
        int dice = rnd.nextInt(100);
        Channel c = ch;
        String sid = sessionId == null ? "unknown-" + user + "-" + System.nanoTime() : sessionId;
        if (dice < 20) {
            stats.graceful.incrementAndGet();
            stats.fates.put(sid, "graceful");
            leave();
            // CLOSE, then half-close and let the server close: closing outright with unread data
            // in the receive buffer makes the kernel send RST, which can discard the CLOSE frame.
            c.writeAndFlush(new Frame.Close(1007, "bye"));
            ((SocketChannel) c).shutdownOutput();
            loop.schedule(() -> rst(c), 3000, TimeUnit.MILLISECONDS);
            comeBackLater(200 + rnd.nextInt(3000));
        } else if (dice < 35) {
            stats.resets.incrementAndGet();
            stats.fates.put(sid, "reset");
            leave();
            rst(c);
            comeBackLater(300 + rnd.nextInt(6000));
        } else if (dice < 50) {
            stats.vanished.incrementAndGet();
            stats.fates.put(sid, "vanished");
            leave();
            phase = Phase.VANISHED;
            c.config().setAutoRead(false);
            // Stays open until the server's ping timeout has surely closed its side.
            loop.schedule(() -> {
                rst(c);
                comeBackLater(rnd.nextInt(3000));
            }, 7000, TimeUnit.MILLISECONDS);
        } else {
            stats.blips.incrementAndGet();
            ch = null;
            phase = Phase.BLIP;
            int kind = rnd.nextInt(3);
            if (kind == 0) {
                c.close();
            } else if (kind == 1) {
                rst(c);
            } else {
                stats.silentBlips.incrementAndGet();
                c.config().setAutoRead(false); // the old connection goes quiet; the server has not noticed
                loop.schedule(() -> rst(c), 5000, TimeUnit.MILLISECONDS);
            }
            loop.schedule(() -> connect(true), 50 + rnd.nextInt(kind == 2 ? 500 : 1500), TimeUnit.MILLISECONDS);
        }
    }

    /** Abandons the session: this client will come back, if at all, as a new session. */
    private void leave() {
        ch = null;
        phase = Phase.GONE;
        token = null;
    }

    private void comeBackLater(int ms) {
        loop.schedule(() -> {
            if (chaosOver()) {
                phase = Phase.GONE; // departed clients stay away once the chaos is over
            } else {
                phase = Phase.WAITING;
                connect(false);
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    private static void rst(Channel c) {
        if (c.isOpen()) {
            c.config().setOption(ChannelOption.SO_LINGER, 0);
            c.close();
        }
    }

    int slot() {
        return slot;
    }
}
