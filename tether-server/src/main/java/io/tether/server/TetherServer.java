package io.tether.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.transport.SocketOptions;
import io.tether.core.transport.TlsEngine;
import io.tether.core.transport.Transport;
import io.tether.server.health.HealthCheck;
import io.tether.server.internal.HealthMonitor;
import io.tether.server.internal.ObservedHealthCheck;
import io.tether.server.internal.ServerConnection;
import io.tether.server.internal.ServerContext;
import io.tether.server.internal.ServerInitializer;
import io.tether.server.internal.ServerTls;
import io.tether.server.session.SessionManager;
import io.tether.server.session.Sessions;
import io.tether.server.spi.ServerObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-connection server in Swoole's shape: connect / receive / close events, TCP keepalive,
 * a per-connection idle deadline and ping/pong, and one reason for every close.
 *
 * <pre>{@code
 * TetherServer server = TetherServer.builder()
 *     .config(ServerConfig.builder().port(9501).heartbeatIdleTime(Duration.ofSeconds(5)).build())
 *     .handler(new ServerHandler() {
 *         public void onReceive(Connection conn, Message m) { conn.send("echo " + m.text()); }
 *     })
 *     .build()
 *     .start();
 * }</pre>
 */
public final class TetherServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    /**
     * The listening and stopped lines, an operator's proof that the server is up or down: on a
     * logger of their own, so a quieter level chosen for everything else does not hide them.
     */
    private static final Logger lifecycle = LoggerFactory.getLogger("io.tether.server.lifecycle");

    private final ServerConfig config;
    private final ServerContext ctx;
    private final HealthMonitor health;
    private final Transport transport;
    private final SessionManager sessions;
    /** TLS on every connection (ssl_cert_file), or null. */
    private final ServerTls tls;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    private volatile boolean started;
    private volatile boolean closed;
    /** Counted down once the shutdown has finished. */
    private final CountDownLatch stopped = new CountDownLatch(1);

    private TetherServer(Builder b) {
        this.config = b.config;
        this.transport = Transport.select();
        this.tls = ServerTls.create(config); // before anything is started: a wrong certificate or key refuses here
        this.health = new HealthMonitor(b.checks.stream().map(c -> ObservedHealthCheck.wrap(c, b.observer)).toList(),
                config.healthCacheTime(), config.healthCheckTimeout());
        this.sessions = config.openSessions() ? new SessionManager(config, b.handlerExecutor) : null;
        this.ctx = new ServerContext(config, b.handler, b.handlerExecutor, health, sessions, b.ticker, b.observer);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts accepting. Throws if the address cannot be bound. */
    public synchronized TetherServer start() {
        if (started) {
            throw new IllegalStateException("server already started");
        }
        String where = hostPort(config.host(), config.port());
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            // Netty would fail the bind with an UnresolvedAddressException, whose message is null.
            throw new IllegalStateException("cannot listen on " + where + ": cannot resolve host '" + config.host() + "'");
        }
        bossGroup = transport.newGroup(1, "tether-accept");
        workerGroup = transport.newGroup(config.workerNum(), "tether-io");
        ctx.createWheels(workerGroup);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ServerInitializer(ctx, tls));
        // Half-closure lets the pipeline see the peer's FIN as an event, so it is named "peer closed".
        bootstrap.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        SocketOptions wanted = SocketOptions.of(config.openTcpKeepalive(), config.tcpKeepIdle(), config.tcpKeepInterval(),
                config.tcpKeepCount(), config.tcpUserTimeout());
        for (Map.Entry<ChannelOption<?>, Object> e : transport.channelOptions(wanted).entrySet()) {
            @SuppressWarnings("unchecked")
            ChannelOption<Object> key = (ChannelOption<Object>) e.getKey();
            bootstrap.childOption(key, e.getValue());
        }
        try {
            serverChannel = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) { // syncUninterruptibly rethrows the bind's IOException unchecked
            bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workerGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            health.close();
            throw new IllegalStateException("cannot listen on " + where + ": " + bindProblem(e), e);
        }
        started = true;
        lifecycle.info("tether listening on {} ({}, {} event loop{}, framing {}, heartbeat_idle_time {}, keepalive {}, tcp_user_timeout {})",
                hostPort(localAddress()), transport.name(), config.workerNum(), config.workerNum() == 1 ? "" : "s", config.framing().name().toLowerCase(java.util.Locale.ROOT),
                fmt(config.heartbeatIdleTime()), config.openTcpKeepalive()
                        ? fmt(config.tcpKeepIdle()) + "/" + fmt(config.tcpKeepInterval()) + "/" + config.tcpKeepCount() : "off",
                fmt(config.tcpUserTimeout()));
        return this;
    }

    /**
     * What the kernel said, without the syscall: epoll reports {@code bind(..) failed with
     * error(-98): Address already in use}, NIO {@code Address already in use}; both become
     * {@code address already in use}.
     */
    private static String bindProblem(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
        return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    /** {@code 127.0.0.1:9501}, {@code [::1]:9501}: an address as people write it (no leading slash). */
    private static String hostPort(InetSocketAddress a) {
        return hostPort(a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress(), a.getPort());
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String fmt(Duration d) {
        return d.isZero() ? "off" : io.tether.core.config.Values.format(d);
    }

    public ServerConfig config() {
        return config;
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** How often the event loops woke to look at their deadline wheels; for tests (they sleep while nothing is due). */
    long wheelWakeUps() {
        return ctx.wheelWakeUps();
    }

    /** The open connection with this id, or null. */
    public Connection connection(long id) {
        return ctx.connection(id);
    }

    /** The open connections, a snapshot. */
    public Collection<Connection> connections() {
        return Collections.unmodifiableList(ctx.connections());
    }

    /**
     * Sessions and presence: users, groups, fan-out sends, resume (docs/SESSIONS.md).
     *
     * @throws IllegalStateException when sessions are off (the default; turn them on with
     *     {@code open_sessions: true} or {@link ServerConfig.Builder#openSessions})
     */
    public Sessions sessions() {
        if (sessions == null) {
            throw new IllegalStateException("sessions are off on this server: turn them on with open_sessions: true"
                    + " (ServerConfig.builder().openSessions(true))");
        }
        return sessions;
    }

    public int connectionCount() {
        return ctx.connectionCount();
    }

    /**
     * Bytes queued for clients and not yet taken by their kernels, summed over every open
     * connection (Netty's count: message bytes plus about 96 B per message). A walk over all
     * connections: for metrics at scrape time, not for a hot path.
     */
    public long outboundQueuedBytes() {
        long sum = 0;
        for (ServerConnection c : ctx.connections()) {
            io.netty.channel.ChannelOutboundBuffer queue = c.channel().unsafe().outboundBuffer();
            if (queue != null) {
                sum += queue.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /** True when native epoll is in use (all socket options applied). */
    public boolean isNativeTransport() {
        return transport.isNative();
    }

    /** The TLS engine that runs, {@code JDK} or {@code OPENSSL} ({@code ssl_engine: auto} resolved); null without TLS. */
    public TlsEngine tlsEngine() {
        return tls == null ? null : tls.engine();
    }

    /**
     * Swoole's heartbeat(): the ids of connections silent for at least heartbeat_idle_time,
     * closing them (reason idle timeout) when asked. A manual sweep over every connection; the
     * server does not need it, since each connection already has its own deadline.
     */
    public List<Long> heartbeat(boolean close) {
        long idle = config.heartbeatIdleTime().toNanos();
        if (idle <= 0) {
            return List.of();
        }
        long now = ctx.ticker().nanoTime();
        List<Long> ids = new ArrayList<>();
        for (ServerConnection c : ctx.connections()) {
            if (c.silentNanos(now) >= idle) {
                ids.add(c.id());
                if (close) {
                    ctx.close(c, CloseReason.IDLE_TIMEOUT, "heartbeat sweep");
                }
            }
        }
        return ids;
    }

    /**
     * Graceful shutdown: stop accepting, flush what each connection has queued, close each with
     * reason shutdown (frame clients get a CLOSE frame), wait up to {@code shutdown_timeout}, then
     * stop the event loops. Idempotent. Safe from any thread; see {@link #shutdown(Duration)}.
     */
    @Override
    public void close() {
        shutdown(config.shutdownTimeout());
    }

    /**
     * {@link #close()} with its own timeout. Blocks until the server has stopped, except when
     * called on one of the server's own event loops (from a handler, say): waiting there would wait
     * for that loop itself, so the shutdown then runs on a thread of its own and this returns at
     * once; {@link #isRunning()} turns false when it is done.
     */
    public void shutdown(Duration timeout) {
        boolean first;
        synchronized (this) {
            first = !closed;
            closed = true;
        }
        if (!first) {
            // Already shutting down (a signal handler and the application, say): wait for it like the first caller.
            if (!onOwnEventLoop()) {
                try {
                    stopped.await(timeout.toMillis() + 2000, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return;
        }
        if (onOwnEventLoop()) {
            Thread t = new Thread(() -> stop(timeout), "tether-shutdown");
            t.setDaemon(true);
            t.start();
        } else {
            stop(timeout);
        }
    }

    /** True from {@link #start()} until a shutdown has finished. */
    public boolean isRunning() {
        return started && stopped.getCount() > 0;
    }

    private boolean onOwnEventLoop() {
        for (EventLoopGroup g : new EventLoopGroup[] {workerGroup, bossGroup}) {
            if (g != null) {
                for (EventExecutor e : g) {
                    if (e.inEventLoop()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private void stop(Duration timeout) {
        try {
            if (started) {
                serverChannel.close().syncUninterruptibly();
                CountDownLatch empty = new CountDownLatch(1);
                ctx.closeAll(empty::countDown);
                try {
                    if (!empty.await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                        log.warn("shutdown: {} connections still open after {} ms", ctx.connectionCount(), timeout.toMillis());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (sessions != null) {
                sessions.shutdown();
            }
            if (started) {
                workerGroup.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).syncUninterruptibly();
                bossGroup.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).syncUninterruptibly();
            }
            health.close();
            if (started) {
                lifecycle.info("tether stopped");
            }
        } finally {
            stopped.countDown();
        }
    }

    /** Assembles a server; nothing is bound until {@link TetherServer#start()}. */
    public static final class Builder {
        private ServerConfig config = ServerConfig.builder().build();
        private ServerHandler handler = new ServerHandler() { };
        private Executor handlerExecutor;
        private final List<HealthCheck> checks = new ArrayList<>();
        private Ticker ticker = Ticker.systemTicker();
        private ServerObserver observer = ServerObserver.NONE;

        private Builder() {
        }

        public Builder config(ServerConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder handler(ServerHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Run handler calls on this executor instead of the event loop; use one when handlers
         * block. Calls for one connection still come one at a time, in order.
         */
        public Builder handlerExecutor(Executor executor) {
            this.handlerExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** A dependency to check before answering pong; may be called several times. */
        public Builder healthCheck(HealthCheck check) {
            checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /**
         * The clock every deadline is measured on (idle time, server pings, ping spacing, silent-for).
         * Default: the system's monotonic clock. Tests pass {@code Ticker.newMockTicker()} to run
         * the liveness rules on simulated time; the wheel still ticks in real time and reads this.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Told of connection events as they happen, for metrics (tether-metrics' {@code TetherMetrics}
         * is one). One observer; it must not block. Default: none, and the server pays nothing.
         */
        public Builder observer(ServerObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        public TetherServer build() {
            return new TetherServer(this);
        }
    }
}
