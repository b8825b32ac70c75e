package io.tether.health;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A HikariCP pool to a MySQL-compatible database whose connections survive the server's
 * {@code wait_timeout}, by either {@linkplain KeepAliveMode remedy}.
 *
 * <p>At start it reads {@code @@wait_timeout} over one plain connection and chooses the heartbeat
 * period with {@link KeepAlivePeriod}, then logs one line saying what it chose and why:
 * <ul>
 *   <li>heartbeat, period of 30 s or more: HikariCP's own {@code keepaliveTime} does it;</li>
 *   <li>heartbeat, period under 30 s: HikariCP refuses a {@code keepaliveTime} that short, so a
 *       {@link SqlIdleValidator} on this backend's scheduler pings idle connections instead;</li>
 *   <li>reconnect-on-use: no heartbeat; HikariCP validates a connection idle over 500 ms when it is
 *       borrowed and replaces it if the server closed it (HikariCP does this in every mode, which
 *       is also the safety net if the limit cannot be read).</li>
 * </ul>
 * The pool is created with {@code initializationFailTimeout = -1}, so a database that is down at
 * start makes checks fail rather than the server refuse to start.
 */
public final class SqlBackend implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SqlBackend.class);
    /** HikariCP ignores a {@code keepaliveTime} below this (and logs a warning). */
    public static final Duration HIKARI_MIN_KEEPALIVE = Duration.ofSeconds(30);

    /** Which mechanism keeps the pool's idle connections alive. */
    public enum Mechanism {
        /** HikariCP's {@code keepaliveTime}. */
        HIKARI_KEEPALIVE,
        /** This module's scheduled validation of idle connections (limit below HikariCP's minimum). */
        SCHEDULED_VALIDATION,
        /** None while idle; HikariCP validates on borrow and reconnects (reconnect-on-use). */
        VALIDATE_ON_BORROW
    }

    private final String name;
    private final HikariDataSource pool;
    private final ScheduledExecutorService scheduler;
    private final SqlIdleValidator validator;
    private final Duration idleLimit;
    private final Duration period;
    private final Mechanism mechanism;
    private final String decision;

    private SqlBackend(String name, HikariDataSource pool, ScheduledExecutorService scheduler, SqlIdleValidator validator,
            Duration idleLimit, Duration period, Mechanism mechanism, String decision) {
        this.name = name;
        this.pool = pool;
        this.scheduler = scheduler;
        this.validator = validator;
        this.idleLimit = idleLimit;
        this.period = period;
        this.mechanism = mechanism;
        this.decision = decision;
    }

    /**
     * Starts a pool from {@code base} (not yet started; this method adjusts and uses it).
     *
     * @param name shown in logs and health reports, e.g. {@code mariadb}
     */
    public static SqlBackend start(String name, HikariConfig base, KeepAliveMode mode) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mode, "mode");
        Properties props = new Properties();
        props.putAll(base.getDataSourceProperties());
        if (base.getUsername() != null) {
            props.setProperty("user", base.getUsername());
        }
        if (base.getPassword() != null) {
            props.setProperty("password", base.getPassword());
        }
        Duration limit = null;
        String unreadable = null;
        try {
            limit = SqlIdleLimit.read(base.getJdbcUrl(), props);
        } catch (SQLException | RuntimeException e) {
            unreadable = e.getMessage();
        }

        Duration period = KeepAlivePeriod.forLimit(limit == null ? Duration.ZERO : limit);
        String url = base.getJdbcUrl() == null ? "?" : base.getJdbcUrl();
        // Without the query string: it may carry a password.
        String who = name + " " + (url.indexOf('?') >= 0 ? url.substring(0, url.indexOf('?')) : url);
        String said = limit == null
                ? who + ": cannot read @@wait_timeout (" + unreadable + ")"
                : who + ": wait_timeout is " + KeepAlivePeriod.seconds(limit);
        String why = limit == null ? "the ceiling" : KeepAlivePeriod.reason(limit);
        Mechanism mechanism;
        String decision;
        if (mode == KeepAliveMode.RECONNECT_ON_USE) {
            mechanism = Mechanism.VALIDATE_ON_BORROW;
            decision = said + "; reconnect-on-use: no heartbeat, HikariCP validates a connection idle over 500 ms before lending it and replaces it if closed";
        } else if (period.compareTo(HIKARI_MIN_KEEPALIVE) >= 0) {
            mechanism = Mechanism.HIKARI_KEEPALIVE;
            base.setKeepaliveTime(period.toMillis());
            decision = said + ", pinging idle pool connections every " + KeepAlivePeriod.seconds(period)
                    + " with HikariCP keepaliveTime (" + why + ")";
        } else {
            mechanism = Mechanism.SCHEDULED_VALIDATION;
            decision = said + ", pinging idle pool connections every " + KeepAlivePeriod.seconds(period)
                    + " (" + why + ") with a scheduled isValid: HikariCP keepaliveTime cannot go below "
                    + KeepAlivePeriod.seconds(HIKARI_MIN_KEEPALIVE);
        }
        if (mechanism != Mechanism.HIKARI_KEEPALIVE) {
            base.setKeepaliveTime(0);
        }
        base.setInitializationFailTimeout(-1);
        if (base.getPoolName() == null) {
            base.setPoolName("tether-sql-" + name);
        }
        HikariDataSource pool = new HikariDataSource(base);
        ScheduledExecutorService scheduler = null;
        SqlIdleValidator validator = null;
        if (mechanism == Mechanism.SCHEDULED_VALIDATION) {
            scheduler = DaemonThreads.scheduler("tether-sql-" + name);
            validator = new SqlIdleValidator(name, pool, period);
            // Fixed delay, not rate: a slow tick (database hanging) must not queue up more ticks.
            scheduler.scheduleWithFixedDelay(validator, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        }
        log.info(decision);
        return new SqlBackend(name, pool, scheduler, validator, limit, period, mechanism, decision);
    }

    /**
     * Starts a small pool (at most {@code maxPoolSize} connections, one kept idle) for a JDBC URL.
     * {@code connectionTimeout} bounds how long a borrow waits (HikariCP's floor is 250 ms).
     */
    public static SqlBackend start(String name, String jdbcUrl, String user, String password, KeepAliveMode mode,
            int maxPoolSize, Duration connectionTimeout) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(maxPoolSize);
        c.setMinimumIdle(1);
        c.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
        // Bounds the TCP connect and handshake of a new connection (MariaDB Connector/J property).
        c.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(250, connectionTimeout.toMillis())));
        return start(name, c, mode);
    }

    public DataSource dataSource() {
        return pool;
    }

    /** HikariCP's live counters (total, idle, active connections). */
    public HikariPoolMXBean poolStats() {
        return pool.getHikariPoolMXBean();
    }

    HikariDataSource hikari() {
        return pool;
    }

    /** {@code @@wait_timeout} as read at start; empty if it could not be read. */
    public Optional<Duration> idleLimit() {
        return Optional.ofNullable(idleLimit);
    }

    /** The heartbeat period chosen from the limit (unused in reconnect-on-use mode). */
    public Duration heartbeatPeriod() {
        return period;
    }

    public Mechanism mechanism() {
        return mechanism;
    }

    /** The one log line that said what was chosen and why. */
    public String decision() {
        return decision;
    }

    /** Scheduled validation passes so far (0 unless the mechanism is {@link Mechanism#SCHEDULED_VALIDATION}). */
    public long validationTicks() {
        return validator == null ? 0 : validator.ticks();
    }

    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        pool.close();
    }

    @Override
    public String toString() {
        return "sql " + name + " (" + mechanism + ")";
    }
}
