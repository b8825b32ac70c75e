package io.tether.server.internal;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.tether.core.close.CloseReason;
import io.tether.core.concurrent.SerialExecutor;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.protocol.Frame;
import io.tether.core.transport.SocketOptions;
import io.tether.core.transport.Transport;
import io.tether.server.ConnectionInfo;
import io.tether.server.Framing;
import io.tether.server.spi.SessionConnection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One accepted socket's state. The behaviour lives in per-server parts that hold no
 * per-connection state ({@link ServerContext} names them): {@link MessageDispatch} (what arrived),
 * {@link Outbound} (what is sent), {@link Liveness} (idle deadline, server pings),
 * {@link PingResponder} (client pings), {@link CloseProtocol} (the one way out) and
 * {@link HandlerEvents} (the application's calls). So a connection costs its fields only, and
 * it is its own deadline-wheel entry.
 *
 * <p>Threading: fields without a note are touched only on the channel's event loop. Counters and
 * timestamps read by {@link #info()} from other threads are written with opaque stores, which
 * cost the same as plain ones on x86 and cannot tear.
 */
public final class ServerConnection extends DeadlineWheel.Entry implements SessionConnection {
    private static final VarHandle LAST_READ;
    private static final VarHandle LAST_SEND;
    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;

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

    final long id;
    final Channel channel;
    final ServerContext ctx;
    /** On the server's ticker; wall-clock times are derived from it when asked for ({@link #info()}). */
    final long connectNanos;
    @SuppressWarnings("unused") private long lastReadNanos;
    @SuppressWarnings("unused") private long lastSendNanos;
    @SuppressWarnings("unused") private long bytesIn;
    @SuppressWarnings("unused") private long bytesOut;

    /** AUTO until the first byte tells line from frame. */
    volatile Framing framing;
    /** Framing known and, for frame clients, WELCOME sent: application data may flow (Outbound). */
    volatile boolean ready;
    /** The client speaks SEQ_DATA/ACK; sends go through the session layer (MessageDispatch). */
    volatile boolean sequenced;
    /** Counted against max_connection (ConnectionRegistry). */
    boolean admitted;
    /** The first frame was a HELLO (MessageDispatch). */
    boolean helloSeen;
    /** Frames that came after the HELLO wait, unread, for a WELCOME that is not out yet (ConnectionCodec). */
    boolean framesHeld;
    /** Sends held until the framing is known (Outbound). */
    Outbound.HeldSends held;
    /**
     * Server ping outstanding since, or 0; and the last ping's id (Liveness). An int is ids enough
     * (2^31 pings, then they wrap), and leaves room for partialSinceMillis without growing the object.
     */
    long pingSentAt;
    int pingSeq;
    /**
     * Since when (the ticker's milliseconds, wrapping: only differences are used; never 0) the
     * buffered bytes of an unfinished line or frame have waited for the rest; 0 when nothing is
     * unfinished (Liveness, package_timeout).
     */
    int partialSinceMillis;
    /**
     * Client pings (PingResponder): when the connection's ping allowance is full again (GCRA's
     * theoretical arrival time; the allowance is spent while it lies ahead of now), and whether a
     * ping was read in the current read batch (the first one may be self-clocked; the batch's pongs
     * are flushed at its end).
     */
    long pingTat;
    boolean pingInBatch;
    /**
     * Answers the server still owes the peer: pongs waiting on a health check, and after the peer's
     * FIN the handler calls still running. A close the peer started waits for 0 (CloseProtocol).
     */
    int owed;
    /**
     * Set once by CloseProtocol: the reason, its detail, the CLOSE code to send (0: the reason's).
     * Before a reason is decided, a connection refused at accept and waiting to learn its framing
     * holds its refusal's detail in closeDetail ({@link #refusing()}).
     */
    CloseReason closeReason;
    String closeDetail = "";
    /** A u16 on the wire: a char holds every code and leaves room in the object's padding. */
    char closeCode;
    boolean closeFrameReceived;
    boolean finished;
    /**
     * Queued outbound bytes went over max_outbound_bytes at {@code overSoftSinceMillis} (the
     * ticker's milliseconds, wrapping: only differences are used) and have not been back under
     * since (OutboundLimits). An int and a boolean fill the object's padding: no bytes added.
     */
    boolean overSoft;
    int overSoftSinceMillis;
    /** Liveness asked for one read of a paused connection before judging a deadline that came due. */
    boolean readProbed;
    /** Orders this connection's application calls on the handler executor (HandlerEvents). */
    private volatile SerialExecutor serial;

    ServerConnection(long id, Channel channel, ServerContext ctx, Framing framing) {
        this.id = id;
        this.channel = channel;
        this.ctx = ctx;
        this.framing = framing;
        this.connectNanos = ctx.ticker.nanoTime();
        this.lastReadNanos = connectNanos;
        this.pingTat = connectNanos; // a full allowance
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
        return ctx.outbound.send(this, message);
    }

    @Override
    public void close() {
        ctx.close.close(this, CloseReason.CLOSED_BY_SERVER, "", 0);
    }

    @Override
    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public Framing framing() {
        return framing;
    }

    /**
     * Times are kept on the ticker only and put on the wall clock here, as "that long before now":
     * no wall-clock field per connection (8 B), and a wall clock stepped since the connect does not
     * make them disagree with the durations.
     */
    @Override
    public ConnectionInfo info() {
        Instant wallNow = Instant.now();
        long now = ctx.ticker.nanoTime();
        long lastRead = lastReadNanos();
        long lastSend = (long) LAST_SEND.getOpaque(this);
        return new ConnectionInfo(id, (InetSocketAddress) channel.remoteAddress(), (InetSocketAddress) channel.localAddress(),
                framing, wallNow.minusNanos(now - connectNanos), wallNow.minusNanos(now - lastRead), wallNow.minusNanos(now - lastSend),
                (long) BYTES_IN.getOpaque(this), (long) BYTES_OUT.getOpaque(this), Duration.ofNanos(now - lastRead));
    }

    @Override
    public SocketOptions socketOptions() {
        return Transport.read(channel);
    }

    @Override
    public String toString() {
        return "connection " + id + " " + channel.remoteAddress();
    }

    // ------------------------------------------------------------------ SessionConnection SPI

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    @Override
    public boolean welcome(Frame.Welcome welcome) {
        return ctx.dispatch.welcome(this, welcome);
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
    public CompletableFuture<Void> sendPlain(byte[] message) {
        return ctx.outbound.sendPlain(this, message);
    }

    @Override
    public void close(CloseReason reason, String detail, int wireCode) {
        ctx.close.close(this, reason, detail, wireCode);
    }

    // ------------------------------------------------------------------ for the server's parts

    /** The Netty channel (internal: for the server's own parts and its tests). */
    public Channel channel() {
        return channel;
    }

    /** Nanoseconds since the last byte arrived, on the server's ticker. */
    public long silentNanos(long now) {
        return now - lastReadNanos();
    }

    long lastReadNanos() {
        return (long) LAST_READ.getOpaque(this);
    }

    /** True once a close reason is decided: nothing more is read or delivered. */
    boolean isClosing() {
        return closeReason != null;
    }

    /**
     * True while a connection refused at accept (limit reached, ConnectionRegistry) waits for its
     * first byte, to be told why in its framing: never admitted, no reason decided yet, its
     * refusal's detail held. No field of its own: an admitted or never-opened connection has an
     * empty detail until it closes.
     */
    boolean refusing() {
        return !admitted && closeReason == null && !closeDetail.isEmpty();
    }

    /** Every read batch: the only liveness bookkeeping on the hot path. */
    void onRead(int bytes) {
        LAST_READ.setOpaque(this, ctx.ticker.nanoTime());
        BYTES_IN.setOpaque(this, (long) BYTES_IN.getOpaque(this) + bytes);
    }

    void onWrite(int bytes) {
        LAST_SEND.setOpaque(this, ctx.ticker.nanoTime());
        BYTES_OUT.setOpaque(this, (long) BYTES_OUT.getOpaque(this) + bytes);
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
