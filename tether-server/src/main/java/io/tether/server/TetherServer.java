package io.tether.server;

import io.netty.util.concurrent.Ticker;
import io.tether.core.transport.TlsEngine;
import io.tether.core.transport.Transport;
import io.tether.server.health.HealthCheck;
import io.tether.server.internal.HealthMonitor;
import io.tether.server.internal.Listener;
import io.tether.server.internal.ObservedHealthCheck;
import io.tether.server.internal.ServerContext;
import io.tether.server.internal.ServerTls;
import io.tether.server.session.SessionManager;
import io.tether.server.session.Sessions;
import io.tether.server.spi.ServerObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
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

    private final ServerConfig config;
    private final ServerContext ctx;
    private final HealthMonitor health;
    private final Transport transport;
    private final SessionManager sessions;
    /** TLS on every connection (ssl_cert_file), or null. */
    private final ServerTls tls;
    private Listener listener;
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
        b.httpFiles.forEach((path, file) -> ctx.httpFile(path, file.getKey(), file.getValue()));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts accepting.
     *
     * @throws IllegalStateException when the address cannot be bound, saying why
     */
    public synchronized TetherServer start() {
        if (started) {
            throw new IllegalStateException("server already started");
        }
        try {
            listener = Listener.bind(config, transport, ctx, tls);
        } catch (IllegalStateException e) {
            health.close();
            throw e;
        }
        started = true;
        return this;
    }

    public ServerConfig config() {
        return config;
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() {
        return listener.localAddress();
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
        return ctx.outboundQueuedBytes();
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
        return ctx.sweepSilent(close);
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
        return listener != null && listener.isOwnThread();
    }

    private void stop(Duration timeout) {
        try {
            if (started) {
                listener.stopAccepting();
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
            health.close();
            if (started) {
                listener.stopLoops(timeout);
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
        private final Map<String, Map.Entry<String, byte[]>> httpFiles = new LinkedHashMap<>();

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

        /**
         * A file WebSocket's HTTP side serves on {@code GET path} (a page that uses {@code /tether.js},
         * say); the connection closes after it. Needs open_websocket_protocol or framing websocket.
         */
        public Builder httpFile(String path, String contentType, byte[] body) {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("an HTTP path starts with /: " + path);
            }
            httpFiles.put(path, Map.entry(Objects.requireNonNull(contentType, "contentType"), body.clone()));
            return this;
        }

        public TetherServer build() {
            return new TetherServer(this);
        }
    }
}
