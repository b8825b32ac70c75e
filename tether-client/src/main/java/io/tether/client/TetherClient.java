package io.tether.client;

import io.netty.channel.ChannelOption;
import io.tether.core.transport.SocketOptions;
import io.tether.core.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import io.tether.client.internal.ClientConnection;
import io.tether.client.internal.ClientSession;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

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
    private final ClientConfig config;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final EventLoop loop;
    // The parts, each one job: the queue and sends; the heartbeat fitted to the server; attempts,
    // failover and the state machine (which owns the connections and hands their traffic to Inbound).
    private final Outbox outbox;
    private final HeartbeatPolicy heartbeat;
    private final Reconnector reconnector;

    private TetherClient(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config: call config(ClientConfig) on the builder");
        Transport transport = Transport.get();
        if (b.group != null) {
            transport.checkCompatible(b.group);
            this.group = b.group;
            this.ownsGroup = false;
        } else {
            this.group = transport.newGroup(1, "tether-client");
            this.ownsGroup = true;
        }
        this.loop = group.next();
        // Resumable session state (ClientConfig.resume), or null.
        ClientSession session = config.resume() && config.protocol() == Protocol.FRAME ? new ClientSession() : null;
        Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.channelClass())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()));
        SocketOptions wanted = SocketOptions.of(config.openTcpKeepalive(), config.tcpKeepIdle(), config.tcpKeepInterval(),
                config.tcpKeepCount(), config.tcpUserTimeout());
        transport.channelOptions(wanted).forEach((k, v) -> {
            @SuppressWarnings("unchecked")
            ChannelOption<Object> key = (ChannelOption<Object>) k;
            bootstrap.option(key, v);
        });
        this.heartbeat = new HeartbeatPolicy(config, b.listener);
        this.outbox = new Outbox(config, session, this::state, this::connectOnUse);
        this.reconnector = new Reconnector(config, b.listener, loop, bootstrap, outbox, heartbeat, session,
                new Inbound(this, b.handler, session), this::releaseGroup);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * An event loop group of the transport clients use (epoll or NIO), for many clients to share:
     * pass it to {@link Builder#eventLoopGroup}; the application shuts it down.
     */
    public static EventLoopGroup newEventLoopGroup(int threads) {
        return Transport.get().newGroup(threads, "tether-client");
    }

    /** Starts connecting (CONNECTING) and returns at once. Idempotent. */
    public TetherClient start() {
        reconnector.start();
        return this;
    }

    /**
     * Sends one message (a DATA frame; a line in line mode). Connected: written straight to the
     * socket. Otherwise queued up to {@code max_queued_messages} / {@code max_queued_bytes} and
     * flushed in order once connected.
     *
     * <p>With {@link ClientConfig.Builder#resume} on a sequenced session, the message is numbered and
     * kept until the server acknowledges it, resent after a resume if needed, and the future
     * completes on the server's ACK. When the session cannot go on (the server refused the resume,
     * say after failover to another server), what it had not acknowledged fails with
     * {@link ConnectionLostException} and is not resent: the new session's server cannot know
     * whether the old one delivered it.
     *
     * <p>With {@link ClientConfig.Builder#confirm} on a plain connection, the future completes when
     * the server has answered a PING sent after the message, and fails with
     * {@link ConnectionLostException} when the connection ends before that.
     *
     * @return completes when the message is written to the socket (not when the server has read it),
     *     unless resume or confirm says otherwise (above);
     *     fails with {@link QueueFullException}, {@link MessageTooLargeException},
     *     {@link ClientClosedException} or {@link ConnectionLostException}, each saying why
     */
    public CompletableFuture<Void> send(byte[] message) {
        Objects.requireNonNull(message, "message");
        return outbox.send(message);
    }

    /** {@link #send(byte[])} of the UTF-8 bytes of {@code text}. */
    public CompletableFuture<Void> send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    public ClientState state() {
        return reconnector.state();
    }

    public ClientConfig config() {
        return config;
    }

    /** The endpoint of the current connection, or null when not connected. */
    public InetSocketAddress connectedEndpoint() {
        return reconnector.connectedTo();
    }

    /**
     * The heartbeat interval in force on the current (or last) connection: the configured one
     * fitted to the server's WELCOME and doubled after each too-many-pings. Zero: no pings.
     */
    public Duration heartbeatInterval() {
        return Duration.ofNanos(heartbeat.interval());
    }

    /**
     * The keepalive options on the current connection's socket, read back from the kernel, or null
     * when not connected.
     */
    public SocketOptions socketOptions() {
        ClientConnection c = outbox.live();
        return c == null ? null : Transport.read(c.channel());
    }

    /** Messages waiting for a connection. */
    public int queuedMessages() {
        return outbox.queued();
    }

    /**
     * Closes: a CLOSE frame (reason {@code closed by client}) goes to the server, queued messages fail
     * with {@link ClientClosedException}, the state becomes CLOSED. Called from an application
     * thread, waits up to one second for the socket to close. Never waits on an event-loop thread:
     * on the client's own loop it is CLOSED before this returns; on any other loop (another loop of a
     * shared group, another client's or a server's) the close is handed to the client's loop and
     * this returns at once, so a handler or listener may close any client. May be called from any
     * thread. Idempotent.
     */
    @Override
    public void close() {
        if (!outbox.close(new ClientClosedException("client closed by the application", null))) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        Runnable shut = () -> reconnector.close(done::countDown);
        if (loop.inEventLoop()) {
            shut.run();
        } else {
            try {
                loop.execute(shut);
                if (!onEventLoopThread()) {
                    // Blocking a loop here would stall every channel on it, and two loops closing
                    // each other's clients would each wait for the other.
                    done.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RejectedExecutionException e) {
                // The shared group is already shut down: nothing left to close.
            }
        }
        releaseGroup();
    }

    /**
     * True on a Netty event-loop thread: any loop of this client's group, or a loop of any other
     * group (Netty maps each loop's thread to its executor). Not merely any FastThreadLocalThread:
     * the DNS helpers and applications' own pools made with Netty's thread factory are not loops,
     * and callers there get the documented wait.
     */
    private boolean onEventLoopThread() {
        if (ThreadExecutorMap.currentExecutor() != null) {
            return true;
        }
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** ON_USE mode: a send is waiting for a connection. */
    private void connectOnUse() {
        loop.execute(reconnector::connectOnUse);
    }

    private void releaseGroup() {
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
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
