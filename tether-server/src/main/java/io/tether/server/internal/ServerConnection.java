package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.tether.core.close.CloseClassifier;
import io.tether.core.concurrent.SerialExecutor;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.transport.SocketOptions;
import io.tether.core.transport.Transport;
import io.tether.server.Connection;
import io.tether.server.ConnectionInfo;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.health.HealthReport;
import io.tether.server.spi.SessionConnection;
import io.netty.util.concurrent.EventExecutor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted socket: its state, its liveness deadlines (it is its own wheel entry) and the one
 * place every way out goes through ({@link #closeWith}, then {@link #finish}), so the reason is
 * decided once and onClose fires exactly once.
 *
 * <p>Threading: fields without a note are touched only on the channel's event loop. Counters and
 * timestamps read by {@link #info()} from other threads are written with opaque stores, which
 * cost the same as plain ones on x86 and cannot tear.
 */
public final class ServerConnection extends DeadlineWheel.Entry implements SessionConnection {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    private static final VarHandle LAST_READ;
    private static final VarHandle LAST_SEND;
    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;
    private static final byte[] NEWLINE = {'\n'};
    /** CLOSE code for a refused resume (the session layer's EndReason.RESUME_REFUSED_CODE). */
    private static final int RESUME_REFUSED_CODE = 1104;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LAST_READ = l.findVarHandle(ServerConnection.class, "lastReadNanos", long.class);
            LAST_SEND = l.findVarHandle(ServerConnection.class, "lastSendNanos", long.class);
            BYTES_IN = l.findVarHandle(ServerConnection.class, "bytesIn", long.class);
            BYTES_OUT = l.findVarHandle(ServerConnection.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id;
    private final Channel channel;
    private final ServerContext ctx;
    private final long connectNanos;
    private final long connectWallMillis;
    private volatile Framing framing;
    /** Framing known and, for frame clients, WELCOME sent: application data may flow. */
    private volatile boolean ready;
    @SuppressWarnings("unused") private long lastReadNanos;
    @SuppressWarnings("unused") private long lastSendNanos;
    @SuppressWarnings("unused") private long bytesIn;
    @SuppressWarnings("unused") private long bytesOut;

    private boolean admitted;
    private boolean helloSeen;
    private boolean finished;
    private CloseReason closeReason;
    private String closeDetail = "";
    private long pingSentAt;
    private long pingSeq;
    private long lastClientPingAt;
    private int strikes;
    private DeadlineWheel<ServerConnection> wheel;
    private List<PendingSend> pendingSends;
    private volatile SerialExecutor serial;
    /** Sessions: the client speaks SEQ_DATA/ACK; sends go through the session layer. */
    private volatile boolean sequenced;
    private boolean closeFrameReceived;
    private int closeCode;

    private record PendingSend(byte[] message, CompletableFuture<Void> future) {
    }

    ServerConnection(long id, Channel channel, ServerContext ctx, Framing framing) {
        this.id = id;
        this.channel = channel;
        this.ctx = ctx;
        this.framing = framing;
        this.connectNanos = System.nanoTime();
        this.connectWallMillis = System.currentTimeMillis();
        this.lastReadNanos = connectNanos;
        this.lastSendNanos = connectNanos;
    }

    // ------------------------------------------------------------------ Connection API

    @Override
    public long id() {
        return id;
    }

    @Override
    public CompletableFuture<Void> send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public CompletableFuture<Void> send(byte[] message) {
        if (sequenced) {
            return ctx.sessions.send(this, message);
        }
        return sendPlain(message);
    }

    /** Sends without the session layer: a line, a DATA frame or raw bytes. */
    public CompletableFuture<Void> sendPlain(byte[] message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (ready) {
            write(framing, message, f);
        } else {
            channel.eventLoop().execute(() -> sendOnLoop(message, f));
        }
        return f;
    }

    private void sendOnLoop(byte[] message, CompletableFuture<Void> f) {
        if (ready) {
            write(framing, message, f);
        } else if (closeReason != null || finished) {
            f.completeExceptionally(new IllegalStateException("connection " + id + " is closed"));
        } else {
            // The client has not said yet whether it speaks lines or frames (or, for frames, has
            // not had its WELCOME); hold until it has.
            if (pendingSends == null) {
                pendingSends = new ArrayList<>(2);
            }
            pendingSends.add(new PendingSend(message, f));
        }
    }

    private void write(Framing mode, byte[] message, CompletableFuture<Void> f) {
        Object out = switch (mode) {
            case FRAME -> new Frame.Data(message);
            case LINE -> Unpooled.wrappedBuffer(message, NEWLINE);
            default -> Unpooled.wrappedBuffer(message);
        };
        channel.writeAndFlush(out).addListener(cf -> {
            if (cf.isSuccess()) {
                f.complete(null);
            } else {
                f.completeExceptionally(cf.cause());
            }
        });
    }

    @Override
    public void close() {
        closeWith(CloseReason.CLOSED_BY_SERVER, "");
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public Framing framing() {
        return framing;
    }

    @Override
    public ConnectionInfo info() {
        long now = System.nanoTime();
        long lastRead = (long) LAST_READ.getOpaque(this);
        long lastSend = (long) LAST_SEND.getOpaque(this);
        return new ConnectionInfo(id, (InetSocketAddress) channel.remoteAddress(), (InetSocketAddress) channel.localAddress(),
                framing, Instant.ofEpochMilli(connectWallMillis), wall(lastRead), wall(lastSend),
                (long) BYTES_IN.getOpaque(this), (long) BYTES_OUT.getOpaque(this), Duration.ofNanos(now - lastRead));
    }

    private Instant wall(long nanos) {
        return Instant.ofEpochMilli(connectWallMillis).plusNanos(nanos - connectNanos);
    }

    @Override
    public SocketOptions socketOptions() {
        return Transport.read(channel);
    }

    /** Nanoseconds since the last byte arrived. */
    public long silentNanos(long now) {
        return now - (long) LAST_READ.getOpaque(this);
    }

    @Override
    public String toString() {
        return "connection " + id + " " + channel.remoteAddress();
    }

    /** The Netty channel (internal: for the server's own parts and its tests). */
    public Channel channel() {
        return channel;
    }

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    @Override
    public void write(Frame frame) {
        channel.write(frame);
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close(CloseReason reason, String detail, int wireCode) {
        closeWith(reason, detail, wireCode);
    }

    // ------------------------------------------------------------------ pipeline callbacks

    /** Every read batch: the only liveness bookkeeping on the hot path. */
    void onRead(int bytes) {
        LAST_READ.setOpaque(this, System.nanoTime());
        BYTES_IN.setOpaque(this, (long) BYTES_IN.getOpaque(this) + bytes);
    }

    void onWrite(int bytes) {
        LAST_SEND.setOpaque(this, System.nanoTime());
        BYTES_OUT.setOpaque(this, (long) BYTES_OUT.getOpaque(this) + bytes);
    }

    void activate() {
        int count = ctx.admitted.incrementAndGet();
        if (count > ctx.config.maxConnection() || ctx.shuttingDown) {
            ctx.admitted.decrementAndGet();
            CloseReason r = ctx.shuttingDown ? CloseReason.SHUTDOWN : CloseReason.LIMIT_REACHED;
            log.warn("{} refused: {}", this, ctx.shuttingDown ? "server is shutting down"
                    : "max_connection " + ctx.config.maxConnection() + " reached");
            closeWith(r, ctx.shuttingDown ? "" : "max_connection " + ctx.config.maxConnection());
            return;
        }
        admitted = true;
        ready = framing == Framing.LINE || framing == Framing.RAW;
        ctx.connections.put(id, this);
        if (ctx.livenessEnabled()) {
            wheel = ctx.wheel(channel.eventLoop());
            wheel.schedule(this, connectNanos + firstCheckNanos());
        }
        ctx.fireConnect(this);
        if ((framing == Framing.LINE || framing == Framing.RAW) && ctx.sessions != null) {
            ctx.sessions.opened(this);
        }
    }

    private long firstCheckNanos() {
        long first = Long.MAX_VALUE;
        if (ctx.idleNanos > 0) {
            first = ctx.idleNanos;
        }
        if (ctx.serverPingIntervalNanos > 0) {
            first = Math.min(first, ctx.serverPingIntervalNanos);
        }
        return first;
    }

    /** The first byte told line from frame. */
    void detected(Framing mode) {
        framing = mode;
        if (mode == Framing.LINE) {
            becomeReady();
            if (ctx.sessions != null) {
                ctx.sessions.opened(this);
            }
        }
    }

    /** True once a close reason is decided: nothing more is read or delivered. */
    boolean isClosing() {
        return closeReason != null;
    }

    private void becomeReady() {
        // Held messages go out first; only then may other threads write directly, or a later
        // message could overtake an earlier one.
        if (pendingSends != null) {
            List<PendingSend> held = pendingSends;
            pendingSends = null;
            for (PendingSend s : held) {
                if (sequenced) {
                    ctx.sessions.send(this, s.message()).whenComplete((v, e) -> {
                        if (e == null) {
                            s.future().complete(null);
                        } else {
                            s.future().completeExceptionally(e);
                        }
                    });
                } else {
                    write(framing, s.message(), s.future());
                }
            }
        }
        ready = true;
    }

    void onLine(ByteBuf line) {
        if (closeReason != null) {
            return;
        }
        if (isPingLine(line)) {
            onClientPing(-1);
            return;
        }
        byte[] bytes = new byte[line.readableBytes()];
        line.readBytes(bytes);
        ctx.fireReceive(this, new Message(bytes));
    }

    void onRaw(ByteBuf data) {
        if (closeReason != null) {
            return;
        }
        byte[] bytes = new byte[data.readableBytes()];
        data.readBytes(bytes);
        ctx.fireReceive(this, new Message(bytes));
    }

    void onFrame(Frame frame) {
        if (closeReason != null) {
            return;
        }
        if (!helloSeen) {
            if (frame instanceof Frame.Hello hello) {
                helloSeen = true;
                if (ctx.sessions != null) {
                    ctx.sessions.hello(this, hello, welcome(hello)); // answers with welcome()
                } else if (hello.resumeToken().length > 0) {
                    closeWith(CloseReason.CLOSED_BY_SERVER, "resume refused: sessions are off on this server (open_sessions)",
                            RESUME_REFUSED_CODE);
                } else {
                    welcome(welcome(hello));
                }
            } else {
                protocolError(new ProtocolException("expected HELLO as the first frame, got " + frame.type()));
            }
            return;
        }
        if (frame instanceof Frame.Data d) {
            ctx.fireReceive(this, new Message(d.payload()));
        } else if (frame instanceof Frame.SeqData || frame instanceof Frame.Ack) {
            if (!sequenced) {
                protocolError(new ProtocolException(frame.type() + " frames need a sequenced session (HELLO field 4)"));
                return;
            }
            byte[] payload = ctx.sessions.sequenced(this, frame);
            if (payload != null) {
                ctx.fireReceive(this, new Message(payload));
            }
        } else if (frame instanceof Frame.Ping p) {
            onClientPing(p.id());
        } else if (frame instanceof Frame.Pong) {
            pingSentAt = 0; // any byte already counted as life; the pong also ends the wait
        } else if (frame instanceof Frame.Close c) {
            closeFrameReceived = true;
            closeWith(CloseReason.PEER_CLOSED, c.reason().isEmpty() ? "CLOSE frame" : "CLOSE frame: " + c.reason());
        } else {
            protocolError(new ProtocolException(frame.type() + " frames are sent by servers, not clients"));
        }
    }

    /**
     * Session layer: sends the WELCOME, after which sends go through the session layer if it is
     * sequenced. On the event loop. Returns false (sending nothing) once the connection is closing.
     */
    @Override
    public boolean welcome(Frame.Welcome w) {
        if (closeReason != null || finished) {
            return false;
        }
        sequenced = w.sequenced();
        channel.writeAndFlush(w);
        becomeReady();
        return true;
    }

    private Frame.Welcome welcome(Frame.Hello hello) {
        ServerConfig c = ctx.config;
        if (log.isDebugEnabled()) {
            log.debug("{} hello from '{}', client heartbeat {} ms", this, hello.clientName(), hello.heartbeatIntervalMillis());
        }
        return new Frame.Welcome(id, c.heartbeatIdleTime().toMillis(), c.serverPingInterval().toMillis(),
                c.serverPingTimeout().toMillis(), c.pingMinInterval().toMillis(), c.packageMaxLength(),
                c.serverName(), null, false);
    }

    private static boolean isPingLine(ByteBuf line) {
        int n = line.readableBytes();
        if (n < 4 || n > 8) {
            return false;
        }
        int i = line.readerIndex();
        int end = i + n;
        while (end > i && Character.isWhitespace(line.getByte(end - 1))) {
            end--;
        }
        while (i < end && Character.isWhitespace(line.getByte(i))) {
            i++;
        }
        return end - i == 4 && line.getByte(i) == 'p' && line.getByte(i + 1) == 'i' && line.getByte(i + 2) == 'n'
                && line.getByte(i + 3) == 'g';
    }

    /** A ping from the client: enforce the minimum interval, then answer once health allows. */
    private void onClientPing(long frameId) {
        long now = System.nanoTime();
        if (ctx.pingMinIntervalNanos > 0 && lastClientPingAt != 0 && now - lastClientPingAt < ctx.pingMinIntervalNanos) {
            strikes++;
            if (strikes > ctx.config.pingStrikes()) {
                closeWith(CloseReason.TOO_MANY_PINGS, "pings closer than " + ctx.config.pingMinInterval().toMillis()
                        + " ms, " + strikes + " times");
                return;
            }
            if (strikes == 1) {
                long minMs = ctx.config.pingMinInterval().toMillis();
                if (framing == Framing.FRAME) {
                    channel.write(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, minMs,
                            "too many pings: at most one every " + minMs + " ms"));
                } else {
                    channel.write(Unpooled.copiedBuffer("notice too many pings: at most one every " + minMs + " ms\n",
                            StandardCharsets.US_ASCII));
                }
            }
        } else {
            strikes = 0;
        }
        lastClientPingAt = now;
        CompletableFuture<HealthReport> report = ctx.health.report();
        if (report.isDone()) {
            answerPing(frameId, report.join());
        } else {
            report.whenComplete((r, e) -> channel.eventLoop().execute(() -> {
                if (closeReason == null && r != null) {
                    answerPing(frameId, r);
                }
            }));
        }
    }

    private void answerPing(long frameId, HealthReport report) {
        boolean healthy = report.healthy();
        if (!healthy && ctx.config.healthFailMode() == ServerConfig.HealthFailMode.WITHHOLD) {
            channel.flush(); // a notice may be waiting
            return;
        }
        if (framing == Framing.FRAME) {
            channel.writeAndFlush(new Frame.Pong(frameId, healthy, healthy ? "" : String.join(",", report.failed())));
        } else if (healthy) {
            channel.writeAndFlush(Unpooled.wrappedBuffer(ctx.pongHealthyLine));
        } else {
            channel.writeAndFlush(Unpooled.copiedBuffer("pong " + report.pongSuffix() + "\n", StandardCharsets.UTF_8));
        }
    }

    void peerClosed() {
        closeWith(CloseReason.PEER_CLOSED, "");
    }

    void failed(Throwable cause) {
        failed(cause, false);
    }

    /** A socket error; {@code onWrite} when it failed a write (see {@link CloseClassifier}). */
    void failed(Throwable cause, boolean onWrite) {
        CloseReason reason = CloseClassifier.classify(cause, channel, ctx.config.openTcpKeepalive(), onWrite);
        if (reason == CloseReason.PROTOCOL_ERROR) {
            protocolError(cause);
            return;
        }
        if (reason == CloseReason.ERROR) {
            log.warn("{} failed", this, cause);
        } else if (log.isDebugEnabled()) {
            log.debug("{} socket error: {}", this, cause.toString());
        }
        closeWith(reason, String.valueOf(cause.getMessage()));
    }

    private void protocolError(Throwable cause) {
        Throwable t = cause.getCause() instanceof ProtocolException ? cause.getCause() : cause;
        String detail = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        if (closeReason == null) {
            log.warn("{} closed: protocol error: {}", this, detail);
        }
        closeWith(CloseReason.PROTOCOL_ERROR, detail);
    }

    // ------------------------------------------------------------------ liveness

    /** The wheel reached this connection's slot: expire it, ping it, or say when to look again. */
    static long onDue(ServerConnection c, long now) {
        return c.checkDeadlines(now);
    }

    private long checkDeadlines(long now) {
        if (closeReason != null) {
            return DeadlineWheel.NONE;
        }
        long lastRead = (long) LAST_READ.getOpaque(this);
        long next = Long.MAX_VALUE;
        if (ctx.idleNanos > 0) {
            long deadline = lastRead + ctx.idleNanos;
            if (now - deadline >= 0) {
                closeWith(CloseReason.IDLE_TIMEOUT, "nothing received for " + (now - lastRead) / 1_000_000 + " ms");
                return DeadlineWheel.NONE;
            }
            next = deadline;
        }
        if (ctx.serverPingIntervalNanos > 0 && framing == Framing.FRAME && helloSeen) {
            if (pingSentAt != 0 && lastRead - pingSentAt > 0) {
                pingSentAt = 0; // something arrived after the ping: the peer is alive
            }
            if (pingSentAt != 0) {
                long pongDeadline = pingSentAt + ctx.serverPingTimeoutNanos;
                if (now - pongDeadline >= 0) {
                    closeWith(CloseReason.PING_TIMEOUT, "no answer to a ping for " + (now - pingSentAt) / 1_000_000 + " ms");
                    return DeadlineWheel.NONE;
                }
                next = Math.min(next, pongDeadline);
            } else {
                long pingAt = lastRead + ctx.serverPingIntervalNanos;
                if (now - pingAt >= 0) {
                    pingSentAt = now;
                    channel.writeAndFlush(new Frame.Ping(++pingSeq));
                    next = Math.min(next, now + ctx.serverPingTimeoutNanos);
                } else {
                    next = Math.min(next, pingAt);
                }
            }
        } else if (ctx.serverPingIntervalNanos > 0 && framing == Framing.AUTO) {
            next = Math.min(next, now + ctx.serverPingIntervalNanos); // look again once it has spoken
        }
        return next == Long.MAX_VALUE ? DeadlineWheel.NONE : next;
    }

    // ------------------------------------------------------------------ closing

    /**
     * Closes with {@code reason} unless a reason was already decided. Where the peer is alive but
     * closed on purpose, it is told why first (a CLOSE frame, or an {@code error} line).
     */
    public void closeWith(CloseReason reason, String detail) {
        closeWith(reason, detail, 0);
    }

    /**
     * {@link #closeWith(CloseReason, String)}, telling a frame client {@code wireCode} in the CLOSE
     * frame instead of the reason's own code (the session layer's codes, 1100 and up).
     */
    public void closeWith(CloseReason reason, String detail, int wireCode) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> closeWith(reason, detail, wireCode));
            return;
        }
        if (closeReason != null || finished) {
            return;
        }
        closeReason = reason;
        closeCode = wireCode;
        closeDetail = detail == null ? "" : detail;
        if (wheel != null) {
            wheel.cancel(this);
        }
        if (!channel.isActive()) {
            channel.close();
            return;
        }
        Object farewell = farewell(reason, closeDetail);
        boolean flushFirst = reason == CloseReason.CLOSED_BY_SERVER || reason == CloseReason.SHUTDOWN
                || reason == CloseReason.PEER_CLOSED;
        if (flushFirst) {
            // Let queued data reach a live peer, but never wait on it for longer than shutdown_timeout.
            channel.writeAndFlush(farewell == null ? Unpooled.EMPTY_BUFFER : farewell).addListener(ChannelFutureListener.CLOSE);
            long grace = ctx.config.shutdownTimeout().toNanos();
            channel.eventLoop().schedule(() -> {
                if (channel.isOpen()) {
                    channel.close();
                }
            }, grace, TimeUnit.NANOSECONDS);
        } else {
            if (farewell != null) {
                channel.writeAndFlush(farewell);
            }
            channel.close();
        }
    }

    private Object farewell(CloseReason reason, String detail) {
        if (reason == CloseReason.PEER_CLOSED || reason == CloseReason.PEER_RESET) {
            return null;
        }
        String text = detail.isEmpty() ? reason.text() : reason.text() + ": " + detail;
        if (framing == Framing.FRAME && helloSeen) {
            return new Frame.Close(closeCode > 0 ? closeCode : reason.code(), closeCode > 0 ? detail : text);
        }
        if (framing == Framing.LINE && (reason == CloseReason.PROTOCOL_ERROR || reason == CloseReason.TOO_MANY_PINGS)) {
            return Unpooled.copiedBuffer("error " + text + "\n", StandardCharsets.UTF_8);
        }
        return null;
    }

    /** The channel is gone: settle the reason once, fire onClose once. */
    void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (wheel != null) {
            wheel.cancel(this);
        }
        if (closeReason == null) {
            closeReason = CloseReason.PEER_CLOSED;
        }
        if (admitted) {
            ctx.admitted.decrementAndGet();
        }
        if (pendingSends != null) {
            for (PendingSend s : pendingSends) {
                s.future().completeExceptionally(new IllegalStateException("connection " + id + " closed before sending"));
            }
            pendingSends = null;
        }
        CloseInfo info = new CloseInfo(closeReason, Duration.ofNanos(silentNanos(System.nanoTime())), closeDetail);
        if (ctx.sessions != null) {
            ctx.sessions.closed(this, info, closeFrameReceived);
        }
        ctx.fireClose(this, info);
        ctx.removed(this);
    }

    Executor serial(Executor executor) {
        SerialExecutor s = serial;
        if (s == null) {
            synchronized (this) {
                s = serial;
                if (s == null) {
                    serial = s = new SerialExecutor(executor);
                }
            }
        }
        return s;
    }
}
