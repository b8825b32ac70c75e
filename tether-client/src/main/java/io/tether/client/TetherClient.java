package io.tether.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.client.internal.ClientConnection;
import io.tether.client.internal.ClientSession;
import io.tether.client.internal.ClientTransport;
import io.tether.client.internal.Owner;
import io.tether.client.internal.SendQueue;
import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A self-healing connection to a Tether server (or any line peer): heartbeats derived from the
 * server's WELCOME, silent-server detection, reconnect with jittered exponential backoff,
 * failover across endpoints, and a bounded queue for what is sent while disconnected.
 *
 * <pre>{@code
 * TetherClient client = TetherClient.builder()
 *     .config(ClientConfig.builder().endpoint("127.0.0.1:9501").endpoint("127.0.0.1:9502").build())
 *     .listener(new ClientListener() {
 *         public void onStateChange(StateChange c) { System.out.println(c); }
 *     })
 *     .handler((c, message) -> System.out.println(new String(message, UTF_8)))
 *     .build()
 *     .start();
 * client.send("hello").join();
 * client.close();
 * }</pre>
 *
 * <p>Threading: everything a client does runs on one event loop (its own, or one of a group shared
 * by many clients); listener and handler calls come from there. {@link #send} and {@link #close}
 * may be called from any thread.
 */
public final class TetherClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("io.tether.client");
    /** Host-name lookups, off the event loops; threads die after a minute idle. */
    private static final Executor RESOLVER = resolverPool();

    private final ClientConfig config;
    private final ClientListener listener;
    private final MessageHandler handler;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Owner owner = new ConnectionEvents();
    /** Resumable session state (ClientConfig.resume), or null. */
    private final ClientSession session;

    // Event-loop state.
    private ClientState state = ClientState.DISCONNECTED;
    private int endpointIndex;
    private Backoff.Sequence backoff;
    private ClientConnection current;
    private ScheduledFuture<?> pendingAttempt;
    private boolean started;

    // Read from any thread.
    private volatile ClientState publicState = ClientState.DISCONNECTED;
    private volatile long pingFloorNanos;
    private volatile long heartbeatNanos;
    private volatile long serverMaxFrame = Long.MAX_VALUE;
    private volatile InetSocketAddress connectedTo;

    // Guarded by sendLock: the queue and the connection sends go to directly.
    private final Object sendLock = new Object();
    private final SendQueue queue;
    private ClientConnection live;
    private boolean closed;
    private Throwable closedCause;

    private TetherClient(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config: call config(ClientConfig) on the builder");
        this.listener = b.listener;
        this.handler = b.handler;
        ClientTransport transport = ClientTransport.get();
        if (b.group != null) {
            transport.checkCompatible(b.group);
            this.group = b.group;
            this.ownsGroup = false;
        } else {
            this.group = transport.newGroup(1, "tether-client");
            this.ownsGroup = true;
        }
        this.loop = group.next();
        this.queue = new SendQueue(config.maxQueuedMessages(), config.maxQueuedBytes());
        this.session = config.resume() && config.protocol() == Protocol.FRAME ? new ClientSession() : null;
        this.bootstrap = new Bootstrap().group(loop).channel(transport.channelClass());
        transport.apply(bootstrap, config);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static Executor resolverPool() {
        // Up to 4 lookups at once; with an unbounded queue only core threads run, so they time out instead.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("tether-client-dns", true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * An event loop group of the transport clients use (epoll or NIO), for many clients to share:
     * pass it to {@link Builder#eventLoopGroup}; the application shuts it down.
     */
    public static EventLoopGroup newEventLoopGroup(int threads) {
        return ClientTransport.get().newGroup(threads, "tether-client");
    }

    /** Starts connecting (CONNECTING) and returns at once. Idempotent. */
    public TetherClient start() {
        loop.execute(() -> {
            if (started || state == ClientState.CLOSED) {
                return;
            }
            started = true;
            transition(ClientState.CONNECTING, endpoint(endpointIndex), endpointIndex, null, null, 0, 0);
            attempt();
        });
        return this;
    }

    /**
     * Sends one message (a DATA frame; a line in line mode). Connected: written straight to the
     * socket. Otherwise queued up to {@code max_queued_messages} / {@code max_queued_bytes} and
     * flushed in order once connected.
     *
     * <p>With {@link ClientConfig.Builder#resume} on a sequenced session, the message is numbered and
     * kept until the server acknowledges it, resent after a resume if needed, and the future
     * completes on the server's ACK.
     *
     * @return completes when the message is written to the socket (not when the server has read it);
     *     fails with {@link QueueFullException}, {@link MessageTooLargeException},
     *     {@link ClientClosedException} or {@link ConnectionLostException}, each saying why
     */
    public CompletableFuture<Void> send(byte[] message) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (config.protocol() == Protocol.LINE) {
            for (byte b : message) {
                if (b == '\n') {
                    f.completeExceptionally(new IllegalArgumentException(
                            "line mode: a message must not contain a newline (it would split into two messages)"));
                    return f;
                }
            }
        }
        if (message.length > serverMaxFrame) {
            f.completeExceptionally(new MessageTooLargeException("message of " + message.length
                    + " bytes exceeds the server's package_max_length " + serverMaxFrame + " (told in WELCOME)"));
            return f;
        }
        boolean wake = false;
        synchronized (sendLock) {
            if (closed) {
                f.completeExceptionally(new ClientClosedException("client is closed; message not sent", closedCause));
                return f;
            }
            if (live != null && queue.isEmpty()) {
                write(live, message, f);
                return f;
            }
            try {
                queue.add(message, f, "state " + publicState);
            } catch (QueueFullException e) {
                f.completeExceptionally(e);
                return f;
            }
            wake = publicState == ClientState.DISCONNECTED && config.mode() == ConnectionMode.ON_USE;
        }
        if (wake) {
            loop.execute(this::connectOnUse);
        }
        return f;
    }

    /** {@link #send(byte[])} of the UTF-8 bytes of {@code text}. */
    public CompletableFuture<Void> send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    public ClientState state() {
        return publicState;
    }

    public ClientConfig config() {
        return config;
    }

    /** The endpoint of the current connection, or null when not connected. */
    public InetSocketAddress connectedEndpoint() {
        return connectedTo;
    }

    /**
     * The heartbeat interval in force on the current (or last) connection: the configured one
     * fitted to the server's WELCOME and doubled after each too-many-pings. Zero: no pings.
     */
    public Duration heartbeatInterval() {
        return Duration.ofNanos(heartbeatNanos);
    }

    /**
     * The keepalive options on the current connection's socket, read back from the kernel, or null
     * when not connected.
     */
    public ClientSocketOptions socketOptions() {
        ClientConnection c;
        synchronized (sendLock) {
            c = live;
        }
        return c == null ? null : ClientTransport.readOptions(c.channel());
    }

    /** Messages waiting for a connection. */
    public int queuedMessages() {
        synchronized (sendLock) {
            return queue.size();
        }
    }

    /**
     * Closes: a CLOSE frame (reason {@code closed by client}) goes to the server, queued messages fail
     * with {@link ClientClosedException}, the state becomes CLOSED. Waits up to one second for the
     * socket to close unless called on the client's own event loop. Idempotent.
     */
    @Override
    public void close() {
        ClientClosedException cause = new ClientClosedException("client closed by the application", null);
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            closed = true;
            closedCause = cause;
            live = null;
            queue.failAll(cause);
        }
        if (session != null) {
            session.close(cause);
        }
        CountDownLatch done = new CountDownLatch(1);
        Runnable shut = () -> {
            if (pendingAttempt != null) {
                pendingAttempt.cancel(false);
                pendingAttempt = null;
            }
            ClientConnection c = current;
            current = null;
            boolean open = c != null && c.channel() != null;
            // CLOSED is reported before the socket closes: its close future may complete at once and
            // release the caller, who must then see CLOSED.
            if (state != ClientState.CLOSED) {
                transition(ClientState.CLOSED, c == null ? null : c.endpoint(), c == null ? -1 : c.endpointIndex(),
                        open ? new CloseInfo(CloseReason.CLOSED_BY_CLIENT, Duration.ZERO, "") : null, null, 0, 0);
            }
            if (open) {
                c.closeWith(CloseReason.CLOSED_BY_CLIENT, "", true);
                c.channel().closeFuture().addListener(x -> done.countDown());
            } else {
                done.countDown();
            }
        };
        if (loop.inEventLoop()) {
            shut.run();
        } else {
            try {
                loop.execute(shut);
                done.await(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // The shared group is already shut down: nothing left to close.
            }
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    // ---- event loop side ------------------------------------------------------------------

    private InetSocketAddress endpoint(int i) {
        return config.endpoints().get(i);
    }

    private void attempt() {
        pendingAttempt = null;
        if (state == ClientState.CLOSED) {
            return;
        }
        int idx = endpointIndex;
        InetSocketAddress ep = endpoint(idx);
        ClientConnection conn = new ClientConnection(owner, config, ep, idx, heartbeatFor(null));
        if (session != null) {
            conn.session(session);
        }
        current = conn;
        if (!ep.isUnresolved()) {
            connect(conn, ep);
            return;
        }
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(ep.getHostString());
        if (literal != null) {
            try {
                connect(conn, new InetSocketAddress(InetAddress.getByAddress(ep.getHostString(), literal), ep.getPort()));
            } catch (UnknownHostException e) {
                attemptFailed(conn, e); // cannot happen for a parsed literal; fail the attempt rather than the loop
            }
            return;
        }
        // A host name: look it up on a helper thread (a DNS query can take seconds and must not stall
        // the event loop other clients share), then connect back on the loop. Resolved at each attempt,
        // so a changed DNS record is picked up on reconnect.
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(ep.getHostString(), ep.getPort()), RESOLVER)
                .whenComplete((addr, err) -> loop.execute(() -> {
                    if (conn != current || state == ClientState.CLOSED) {
                        return;
                    }
                    if (err != null || addr.isUnresolved()) {
                        attemptFailed(conn, new UnknownHostException("cannot resolve " + ep.getHostString()
                                + (err != null ? ": " + err.getMessage() : "")));
                    } else {
                        connect(conn, addr);
                    }
                }));
    }

    private void connect(ClientConnection conn, InetSocketAddress resolved) {
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                conn.init(ch);
            }
        }).connect(resolved);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                attemptFailed(conn, done.cause());
            }
        });
    }

    private void connectOnUse() {
        if (state == ClientState.DISCONNECTED && started) {
            transition(ClientState.CONNECTING, endpoint(endpointIndex), endpointIndex, null, null, 0, 0);
            attempt();
        }
    }

    private void attemptFailed(ClientConnection conn, Throwable cause) {
        if (conn != current || state == ClientState.CLOSED) {
            return;
        }
        current = null;
        endpointIndex = (endpointIndex + 1) % config.endpoints().size();
        if (config.mode() == ConnectionMode.ON_USE && queuedMessages() == 0) {
            transition(ClientState.DISCONNECTED, conn.endpoint(), conn.endpointIndex(), null, cause, 0, 0);
            return;
        }
        scheduleAttempt(null, cause);
    }

    private void scheduleAttempt(CloseInfo info, Throwable cause) {
        if (backoff == null) {
            backoff = config.backoff().start();
        }
        long delay = backoff.nextDelayNanos();
        if (delay < 0) {
            TetherClientException gaveUp = new TetherClientException("gave up after " + backoff.attempts()
                    + " reconnect attempts (backoff maxAttempts = " + config.backoff().maxAttempts() + "); last: "
                    + (cause != null ? cause.getMessage() : String.valueOf(info)), cause);
            synchronized (sendLock) {
                closed = true;
                closedCause = gaveUp;
                queue.failAll(new ClientClosedException("client gave up reconnecting; message not sent", gaveUp));
            }
            if (session != null) {
                session.close(new ClientClosedException("client gave up reconnecting; message not acknowledged", gaveUp));
            }
            transition(ClientState.CLOSED, null, -1, info, gaveUp, 0, 0);
            if (ownsGroup) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            return;
        }
        transition(ClientState.RECONNECTING, endpoint(endpointIndex), endpointIndex, info, cause, backoff.attempts(), delay);
        pendingAttempt = loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
    }

    /**
     * The heartbeat for a connection: the configured interval, at most half the server's idle
     * timeout (so one lost ping does not get the client closed), at least the server's minimum
     * ping interval plus a margin (the server measures gaps between arrivals, which jitter), and
     * at least what too-many-pings taught earlier connections.
     */
    private long heartbeatFor(Frame.Welcome w) {
        if (config.mode() == ConnectionMode.ON_USE || config.heartbeatInterval().isZero()) {
            return 0;
        }
        long hb = config.heartbeatInterval().toNanos();
        long idle = w == null ? 0 : TimeUnit.MILLISECONDS.toNanos(w.idleTimeoutMillis());
        if (idle > 0) {
            hb = Math.min(hb, idle / 2);
        }
        long min = w == null ? 0 : TimeUnit.MILLISECONDS.toNanos(w.minPingIntervalMillis());
        if (min > 0) {
            hb = Math.max(hb, min + Math.max(min / 10, TimeUnit.MILLISECONDS.toNanos(10)));
        }
        hb = Math.max(hb, pingFloorNanos);
        if (idle > 0 && hb >= idle) {
            log.warn("heartbeat {} ms cannot keep up with the server's idle timeout {} ms (minimum ping interval {} ms);"
                    + " expect idle closes", hb / 1_000_000, idle / 1_000_000, min / 1_000_000);
        }
        return hb;
    }

    private void write(ClientConnection conn, byte[] message, CompletableFuture<Void> f) {
        if (session != null && session.sequenced()) {
            // Numbered under the send lock; written through the loop's task queue, so frames leave in
            // number order whichever thread sent them. A failed write needs no put-back: the message
            // stays unacknowledged and is resent after the resume.
            Frame.SeqData d = session.number(message, f);
            Channel ch = conn.channel();
            ch.eventLoop().execute(() -> ch.writeAndFlush(d));
            return;
        }
        conn.channel().writeAndFlush(new Frame.Data(message)).addListener(done -> {
            if (done.isSuccess()) {
                f.complete(null);
            } else {
                putBackOrFail(conn, message, f, done.cause());
            }
        });
    }

    /**
     * A write failed: the connection died before the message fully left (a partial frame is
     * discarded by the server, so it was not delivered). Sending it again cannot duplicate it, so
     * it goes back to the head of the queue for the next connection, unless a newer connection
     * already flushed (it would be out of order then) or the client is closed.
     */
    private void putBackOrFail(ClientConnection conn, byte[] message, CompletableFuture<Void> f, Throwable cause) {
        boolean wake = false;
        synchronized (sendLock) {
            if (closed) {
                f.completeExceptionally(new ClientClosedException("client closed before the message of " + message.length
                        + " bytes was written", closedCause));
                return;
            }
            if (live == null || live == conn) {
                queue.putBack(new SendQueue.Pending(message, f));
                wake = config.mode() == ConnectionMode.ON_USE;
            } else {
                f.completeExceptionally(new ConnectionLostException("message of " + message.length + " bytes not written: "
                        + conn + " ended (" + cause + ") and a newer connection has taken over; resending it now"
                        + " would break the order", cause));
                return;
            }
        }
        if (wake) {
            loop.execute(this::connectOnUse);
        }
    }

    private void transition(ClientState to, InetSocketAddress ep, int idx, CloseInfo info, Throwable cause,
                            int attempt, long delayNanos) {
        ClientState from = state;
        state = to;
        publicState = to;
        StateChange change = new StateChange(from, to, ep, idx, info, cause, attempt, Duration.ofNanos(delayNanos));
        log.debug("{}", change);
        try {
            listener.onStateChange(change);
        } catch (RuntimeException e) {
            log.warn("client listener threw on {}", change, e);
        }
    }

    /** Callbacks from connections, on the event loop. */
    private final class ConnectionEvents implements Owner {
        @Override
        public void onReady(ClientConnection conn, Frame.Welcome welcome) {
            if (conn != current || state == ClientState.CLOSED) {
                conn.closeWith(CloseReason.CLOSED_BY_CLIENT, "", true);
                return;
            }
            backoff = null; // an outage ends with a handshake; the next one starts from `initial`
            long hb = heartbeatFor(welcome);
            heartbeatNanos = hb;
            serverMaxFrame = welcome == null || welcome.maxFrameLength() == 0 ? Long.MAX_VALUE : welcome.maxFrameLength();
            connectedTo = conn.endpoint();
            conn.startHeartbeat(hb, welcome);
            transition(ClientState.CONNECTED, conn.endpoint(), conn.endpointIndex(), null, null, 0, 0);
            boolean sessionReady = false;
            boolean resumed = false;
            synchronized (sendLock) {
                if (closed) {
                    return;
                }
                if (session != null && welcome != null) {
                    // Resume: what the server missed goes first, in order, then the queue.
                    for (Frame.SeqData d : session.welcome(welcome, new ConnectionLostException("the server started a new"
                            + " session; this message was sent on the old one and may or may not have arrived", null))) {
                        Channel ch = conn.channel();
                        ch.eventLoop().execute(() -> ch.writeAndFlush(d));
                    }
                    sessionReady = welcome.sequenced();
                    resumed = welcome.resumed();
                }
                // Under the lock, so no send can overtake the queue: sends wait here, then go direct.
                SendQueue.Pending p;
                while ((p = queue.poll()) != null) {
                    if (p.message().length > serverMaxFrame) {
                        p.future().completeExceptionally(new MessageTooLargeException("queued message of " + p.message().length
                                + " bytes exceeds the server's package_max_length " + serverMaxFrame));
                        continue;
                    }
                    write(conn, p.message(), p.future());
                }
                live = conn;
            }
            if (sessionReady) {
                try {
                    listener.onSessionReady(resumed);
                } catch (RuntimeException e) {
                    log.warn("client listener threw", e);
                }
            }
        }

        @Override
        public void onSeqData(ClientConnection conn, Frame.SeqData data) {
            byte[] payload;
            try {
                payload = session.receive(data);
            } catch (io.tether.core.protocol.ProtocolException e) {
                conn.closeWith(CloseReason.PROTOCOL_ERROR, e.getMessage(), true);
                return;
            }
            if (payload != null) {
                onMessage(conn, payload);
            }
        }

        @Override
        public void onAck(ClientConnection conn, long seq) {
            session.acked(seq);
        }

        @Override
        public void onReadComplete(ClientConnection conn) {
            Frame.Ack ack = session.ackDue();
            if (ack != null && conn.channel().isActive()) {
                conn.channel().writeAndFlush(ack);
            }
        }

        @Override
        public void onSessionEnded(ClientConnection conn, int code, String reason) {
            log.info("server ended the session (CLOSE {}: {}); the next connection starts a new one", code, reason);
            session.ended();
        }

        @Override
        public void onMessage(ClientConnection conn, byte[] message) {
            try {
                handler.onMessage(TetherClient.this, message);
            } catch (RuntimeException e) {
                log.warn("client message handler threw", e);
            }
        }

        @Override
        public long onTooManyPings(ClientConnection conn, long serverMinMillis, String why) {
            long before = conn.heartbeatNanos();
            long next = Math.max(2 * Math.max(before, pingFloorNanos), TimeUnit.MILLISECONDS.toNanos(serverMinMillis));
            if (next <= 0) {
                return before;
            }
            pingFloorNanos = next;
            heartbeatNanos = next;
            log.info("server says too many pings ({}); heartbeat {} ms -> {} ms, kept for later connections",
                    why, before / 1_000_000, next / 1_000_000);
            try {
                listener.onPingIntervalChanged(Duration.ofNanos(before), Duration.ofNanos(next), why);
            } catch (RuntimeException e) {
                log.warn("client listener threw", e);
            }
            return next;
        }

        @Override
        public void onClosed(ClientConnection conn, CloseInfo info) {
            if (conn != current || state == ClientState.CLOSED) {
                return;
            }
            if (!conn.wasReady()) {
                // Before clearing `current`: attemptFailed ignores a connection that is not current.
                attemptFailed(conn, new TetherClientException(conn + " closed before the handshake finished: " + info));
                return;
            }
            current = null;
            connectedTo = null;
            synchronized (sendLock) {
                if (live == conn) {
                    live = null;
                }
            }
            endpointIndex = (endpointIndex + 1) % config.endpoints().size();
            if (config.mode() == ConnectionMode.ON_USE) {
                transition(ClientState.DISCONNECTED, conn.endpoint(), conn.endpointIndex(), info, null, 0, 0);
                if (queuedMessages() > 0) {
                    connectOnUse();
                }
                return;
            }
            scheduleAttempt(info, null);
        }
    }

    /** Assembles a client; nothing connects until {@link TetherClient#start()}. */
    public static final class Builder {
        private ClientConfig config;
        private ClientListener listener = new ClientListener() { };
        private MessageHandler handler = (c, m) -> { };
        private EventLoopGroup group;

        private Builder() {
        }

        /** Required: endpoints and options. */
        public Builder config(ClientConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Hears every state change. Default: none. */
        public Builder listener(ClientListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Receives the server's messages. Default: they are dropped. */
        public Builder handler(MessageHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Runs the client on one loop of this group (from {@link TetherClient#newEventLoopGroup}), so
         * thousands of clients share a few threads. The application shuts the group down. Default: the
         * client owns a one-thread group.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        public TetherClient build() {
            return new TetherClient(this);
        }
    }

}
