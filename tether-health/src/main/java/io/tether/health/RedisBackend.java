package io.tether.health;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce connection to Redis that survives Redis's {@code timeout} (which closes clients idle
 * longer than it), by either {@linkplain KeepAliveMode remedy}.
 *
 * <p>On every new connection the backend reads {@code CONFIG GET timeout} and chooses the heartbeat
 * period with {@link KeepAlivePeriod}; it logs one line when that choice is made or changes. In
 * {@link KeepAliveMode#HEARTBEAT} a scheduled {@code PING} goes out so the connection is never
 * silent for longer than a period (half the limit); in {@link KeepAliveMode#RECONNECT_ON_USE} nothing is sent while idle,
 * and a connection idle longer than {@link #VALIDATE_AFTER} is validated with {@code PING} before
 * use and replaced if Redis dropped it.
 *
 * <p>Lettuce's own {@code autoReconnect} is switched off on purpose: against a server that closes
 * idle clients it reconnects in the background after every close, forever, and it hides from a
 * health check that the connection was gone. This class reconnects itself, at most one connect in
 * flight, so a dead Redis costs one socket at a time however often it is checked.
 *
 * <p>All waiting happens on the caller's thread or on this backend's own scheduler thread, never on
 * a Netty event loop: Lettuce's futures are continued with {@code *Async(..., scheduler)}.
 */
public final class RedisBackend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisBackend.class);
    /** Like HikariCP's alive-bypass window: a connection used this recently is not re-validated. */
    public static final Duration VALIDATE_AFTER = Duration.ofMillis(500);
    /** Handshake and command timeout when the URI does not set one (Lettuce's default is 60 s). */
    static final Duration DEFAULT_URI_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final RedisURI uri;
    private final KeepAliveMode mode;
    private final RedisClient client;
    private final ScheduledExecutorService scheduler;
    private final Object lock = new Object();
    private StatefulRedisConnection<String, String> connection; // guarded by lock
    private CompletableFuture<StatefulRedisConnection<String, String>> connecting; // guarded by lock
    private volatile boolean closed;
    private volatile long lastSentNanos = System.nanoTime();
    private volatile Duration idleLimit; // null until read
    private volatile Duration period = KeepAlivePeriod.MAX;
    private volatile String lastDecision = "";
    private final AtomicLong connectionsOpened = new AtomicLong();
    private final AtomicLong heartbeatsSent = new AtomicLong();

    private RedisBackend(String name, RedisURI uri, KeepAliveMode mode) {
        this.name = Objects.requireNonNull(name, "name");
        this.uri = uri;
        this.mode = Objects.requireNonNull(mode, "mode");
        if (uri.getTimeout().equals(RedisURI.DEFAULT_TIMEOUT_DURATION)) {
            uri.setTimeout(DEFAULT_URI_TIMEOUT);
        }
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(uri.getTimeout()).build())
                .build());
        this.scheduler = DaemonThreads.scheduler("tether-redis-" + name);
    }

    /**
     * Starts a backend and begins connecting; Redis being down now is not an error (the first use
     * or heartbeat connects when it is back).
     *
     * @param name shown in logs and health reports, e.g. {@code redis}
     * @param uri  e.g. {@code redis://127.0.0.1:6379/0}; a {@code timeout} in it bounds connects
     */
    public static RedisBackend start(String name, RedisURI uri, KeepAliveMode mode) {
        RedisBackend b = new RedisBackend(name, RedisURI.builder(uri).build(), mode);
        b.connectInBackground();
        if (mode == KeepAliveMode.HEARTBEAT) {
            b.scheduleHeartbeat(KeepAlivePeriod.MIN);
        }
        return b;
    }

    /**
     * Runs one command, connecting (or, in reconnect mode, validating and reconnecting) first.
     * Waits at most {@code timeout} overall. A connection-level failure or a timeout drops the
     * connection, so the next call starts clean; an error reply from Redis does not.
     */
    public <T> T call(Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command, Duration timeout)
            throws Exception {
        Deadline deadline = Deadline.in(timeout);
        StatefulRedisConnection<String, String> c = usableConnection(deadline);
        return send(c, command, deadline);
    }

    private <T> T send(StatefulRedisConnection<String, String> c,
            Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command, Deadline deadline) throws Exception {
        lastSentNanos = System.nanoTime();
        try {
            return command.apply(c.async()).get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RedisCommandExecutionException)) {
                drop(c);
            }
            throw unwrap(e);
        } catch (TimeoutException e) {
            drop(c);
            throw new TimeoutException("redis " + name + " did not answer within " + KeepAlivePeriod.seconds(deadline.budget()));
        }
    }

    private StatefulRedisConnection<String, String> usableConnection(Deadline deadline) throws Exception {
        StatefulRedisConnection<String, String> c = openConnection();
        if (c != null && mode == KeepAliveMode.RECONNECT_ON_USE
                && System.nanoTime() - lastSentNanos > VALIDATE_AFTER.toNanos()) {
            try {
                send(c, RedisAsyncCommands::ping, deadline);
            } catch (Exception stale) {
                // send() dropped it; Redis most likely closed it for idling. Reconnect below.
                log.debug("redis {}: connection failed validation ({}), reconnecting", name, stale.toString());
                c = null;
            }
        }
        if (c != null) {
            return c;
        }
        CompletableFuture<StatefulRedisConnection<String, String>> f = connectInBackground();
        try {
            return f.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (TimeoutException e) {
            // The connect goes on in the background (bounded by the URI timeout) and is kept if it succeeds.
            throw new TimeoutException("no connection to redis " + name + " within " + KeepAlivePeriod.seconds(deadline.budget()));
        }
    }

    /** The current connection if Lettuce still sees it open; a closed one is released. */
    private StatefulRedisConnection<String, String> openConnection() {
        synchronized (lock) {
            if (connection != null && !connection.isOpen()) {
                connection.closeAsync();
                connection = null;
            }
            return connection;
        }
    }

    /** Starts a connect unless one is in flight; at most one socket is ever being opened. */
    private CompletableFuture<StatefulRedisConnection<String, String>> connectInBackground() {
        synchronized (lock) {
            if (connection != null && connection.isOpen()) {
                return CompletableFuture.completedFuture(connection);
            }
            if (connecting != null) {
                return connecting;
            }
            CompletableFuture<StatefulRedisConnection<String, String>> f = client
                    .connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                    .thenComposeAsync(this::readIdleLimit, scheduler)
                    .whenCompleteAsync(this::connected, scheduler);
            connecting = f;
            return f;
        }
    }

    private CompletableFuture<StatefulRedisConnection<String, String>> readIdleLimit(StatefulRedisConnection<String, String> c) {
        lastSentNanos = System.nanoTime();
        return c.async().configGet("timeout").toCompletableFuture()
                .handleAsync((Map<String, String> reply, Throwable error) -> {
                    decide(reply, error);
                    return c;
                }, scheduler);
    }

    private void connected(StatefulRedisConnection<String, String> c, Throwable error) {
        boolean keep;
        synchronized (lock) {
            connecting = null;
            keep = c != null && !closed;
            if (keep) {
                connection = c;
            }
        }
        if (c != null && !keep) {
            c.closeAsync();
        }
        if (keep) {
            connectionsOpened.incrementAndGet();
        } else if (error != null) {
            log.debug("redis {}: connect failed: {}", name, error.toString());
        }
    }

    /** Chooses the period from {@code CONFIG GET timeout}; logs once per change of decision. */
    private void decide(Map<String, String> reply, Throwable error) {
        String decision;
        if ((error != null || reply == null || reply.get("timeout") == null) && !lastDecision.isEmpty()) {
            return; // a reconnect that could not re-read the limit keeps the last known decision
        }
        if (error != null || reply == null || reply.get("timeout") == null) {
            // CONFIG is often renamed or disabled on managed Redis; keep the ceiling period then.
            idleLimit = null;
            period = KeepAlivePeriod.MAX;
            String why = error != null ? unwrapText(error) : "no timeout in the reply";
            decision = mode == KeepAliveMode.HEARTBEAT
                    ? who() + ": cannot read CONFIG GET timeout (" + why + "), pinging every "
                            + KeepAlivePeriod.seconds(period) + " (the ceiling)"
                    : who() + ": cannot read CONFIG GET timeout (" + why + "); reconnect-on-use: validating with PING before use after "
                            + KeepAlivePeriod.seconds(VALIDATE_AFTER) + " idle";
        } else {
            Duration limit;
            try {
                limit = Duration.ofSeconds(Long.parseLong(reply.get("timeout").trim()));
            } catch (NumberFormatException e) {
                limit = Duration.ZERO;
            }
            idleLimit = limit;
            period = KeepAlivePeriod.forLimit(limit);
            String said = limit.isZero() ? who() + ": timeout is 0 (never closes idle clients)"
                    : who() + ": timeout is " + KeepAlivePeriod.seconds(limit);
            decision = mode == KeepAliveMode.HEARTBEAT
                    ? said + ", pinging every " + KeepAlivePeriod.seconds(period) + " (" + KeepAlivePeriod.reason(limit) + ")"
                    : said + "; reconnect-on-use: no heartbeat, a connection idle over "
                            + KeepAlivePeriod.seconds(VALIDATE_AFTER) + " is checked with PING before use and replaced if closed";
        }
        if (!decision.equals(lastDecision)) {
            lastDecision = decision;
            log.info(decision);
        }
    }

    /** How log lines name this backend: {@code redis 127.0.0.1:6379}, plus the check name if it is not "redis". */
    private String who() {
        String where = "redis " + uri.getHost() + ":" + uri.getPort();
        return name.equals("redis") ? where : where + " (" + name + ")";
    }

    private void scheduleHeartbeat(Duration delay) {
        if (!closed) {
            scheduler.schedule(this::heartbeat, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Heartbeat ticks come at least this often, so a newly read (shorter) period takes effect at once. */
    static final Duration MAX_TICK = Duration.ofSeconds(1);

    /**
     * Runs on the scheduler thread; never waits. Ticks every {@code min(period, 1 s)} and pings only
     * when the next tick would leave the connection silent for longer than a period, so a busy
     * connection costs nothing extra and the longest silence is about one period (half the limit).
     * A missing connection is reconnected, so Redis coming back is noticed here too.
     */
    private void heartbeat() {
        if (closed) {
            return;
        }
        Duration p = period;
        Duration tick = p.compareTo(MAX_TICK) < 0 ? p : MAX_TICK;
        try {
            StatefulRedisConnection<String, String> c = openConnection();
            if (c == null) {
                connectInBackground();
            } else if (System.nanoTime() - lastSentNanos >= p.toNanos() - tick.toNanos() * 11 / 10) {
                // The 10 % is scheduling slack: a tick that fires a little early still pings.
                lastSentNanos = System.nanoTime();
                heartbeatsSent.incrementAndGet();
                Duration wait = p.compareTo(uri.getTimeout()) < 0 ? p : uri.getTimeout();
                c.async().ping().toCompletableFuture()
                        .orTimeout(wait.toNanos(), TimeUnit.NANOSECONDS)
                        .whenCompleteAsync((pong, error) -> {
                            if (error != null) {
                                log.debug("redis {}: heartbeat failed ({}), dropping the connection", name, unwrapText(error));
                                drop(c);
                            }
                        }, scheduler);
            }
        } finally {
            scheduleHeartbeat(tick);
        }
    }

    private void drop(StatefulRedisConnection<String, String> c) {
        synchronized (lock) {
            if (connection == c) {
                connection = null;
            }
        }
        c.closeAsync();
    }

    /** The idle limit read from Redis on the last connect; empty before the first or if CONFIG is unavailable. */
    public Optional<Duration> idleLimit() {
        return Optional.ofNullable(idleLimit);
    }

    /** The heartbeat period chosen from {@link #idleLimit()} (used only in heartbeat mode). */
    public Duration heartbeatPeriod() {
        return period;
    }

    public KeepAliveMode mode() {
        return mode;
    }

    /** How many connections this backend has opened since start: 1 while nothing went wrong. */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    /** How many heartbeat PINGs were sent since start. */
    public long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /** The log line of the last keep-alive decision (empty before the first connect). */
    public String decision() {
        return lastDecision;
    }

    /** Closes the connection and Lettuce's threads; a second call does nothing. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.shutdownNow();
        StatefulRedisConnection<String, String> c;
        synchronized (lock) {
            c = connection;
            connection = null;
        }
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static Exception unwrap(ExecutionException e) {
        return e.getCause() instanceof Exception cause ? cause : e;
    }

    private static String unwrapText(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.toString();
    }

    @Override
    public String toString() {
        return "redis " + name + " " + uri.getHost() + ":" + uri.getPort() + " (" + mode + ")";
    }
}
