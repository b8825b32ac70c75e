package io.tether.metrics;

import com.sun.net.httpserver.HttpServer;
import io.tether.metrics.internal.AdminApi;
import io.tether.metrics.internal.History;
import io.tether.server.TetherServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint of one server: Prometheus text at {@code /metrics}, the admin page at
 * {@code /} (one self-contained HTML page, no external assets), and the JSON behind it under
 * {@code /api/} (docs/METRICS.md).
 *
 * <p>It is the JDK's own HTTP server ({@code com.sun.net.httpserver}) on two threads of its own,
 * {@code tether-admin-*}, plus one {@code tether-admin-history} timer: nothing here ever runs on
 * the server's event loops, a slow scrape or page cannot delay a connection, and the module needs
 * no HTTP library. Scrapes and page polls are a few requests a second at most, which is what that
 * server is for.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("io.tether.metrics");

    private final HttpServer http;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final AdminConfig config;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private AdminServer(AdminConfig config, HttpServer http, ExecutorService workers, ScheduledExecutorService timer) {
        this.config = config;
        this.http = http;
        this.workers = workers;
        this.timer = timer;
    }

    /**
     * Starts the endpoint for {@code server}, whose observer {@code metrics} is and which it was
     * bound to ({@link TetherMetrics#bindTo}).
     *
     * @throws IllegalArgumentException if {@code config} is off (port 0)
     * @throws IllegalStateException if the address cannot be bound
     */
    public static AdminServer start(AdminConfig config, TetherMetrics metrics, TetherServer server) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(server, "server");
        if (!config.enabled()) {
            throw new IllegalArgumentException("the admin endpoint is off (admin_port 0)");
        }
        if (metrics.meters().census() == null) {
            throw new IllegalStateException("metrics are not bound to the server: call metrics.bindTo(server) before start()");
        }
        InetSocketAddress bind = new InetSocketAddress(config.host(), config.port() == AdminConfig.ANY_PORT ? 0 : config.port());
        HttpServer http;
        try {
            http = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IllegalStateException("admin endpoint: cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        ExecutorService workers = Executors.newFixedThreadPool(2, daemon("tether-admin-", new AtomicInteger()));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("tether-admin-history", null));
        History history = new History(server, metrics.meters());
        timer.scheduleAtFixedRate(() -> {
            try {
                history.sample();
            } catch (RuntimeException e) {
                log.warn("admin endpoint: history sample failed", e);
            }
        }, 0, History.INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        http.createContext("/", new AdminApi(server, metrics.meters(), history, config.token()));
        http.setExecutor(workers);
        http.start();
        AdminServer admin = new AdminServer(config, http, workers, timer);
        log.info("admin endpoint on http://{}:{}/ (metrics at /metrics, {})", config.host(), admin.port(),
                config.token() == null ? "no token: loopback only" : "bearer token required");
        return admin;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name, AtomicInteger n) {
        return r -> {
            Thread t = new Thread(r, n == null ? name : name + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The bound port (useful with {@link AdminConfig#ANY_PORT}). */
    public int port() {
        return http.getAddress().getPort();
    }

    public AdminConfig config() {
        return config;
    }

    /** Stops serving at once. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        timer.shutdownNow();
        http.stop(0);
        workers.shutdownNow();
    }
}
