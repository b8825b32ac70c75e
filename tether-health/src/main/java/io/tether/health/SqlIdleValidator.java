package io.tether.health;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a HikariCP pool's idle connections alive when the database's idle limit is shorter than
 * HikariCP allows {@code keepaliveTime} to be (30 s at least). Each tick borrows every idle
 * connection at once (borrowing one at a time would return the same thread-local one again),
 * pings each with {@link Connection#isValid}, evicts those that fail, and gives the rest back.
 * Borrowing also triggers HikariCP's own validation of connections idle over 500 ms, which
 * replaces any the server already closed.
 */
final class SqlIdleValidator implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SqlIdleValidator.class);

    private final String name;
    private final HikariDataSource pool;
    private final int validSeconds;
    private volatile long ticks;

    SqlIdleValidator(String name, HikariDataSource pool, Duration period) {
        this.name = name;
        this.pool = pool;
        // isValid takes whole seconds; never less than one, never longer than the period allows.
        this.validSeconds = (int) Math.max(1, period.toSeconds());
    }

    long ticks() {
        return ticks;
    }

    @Override
    public void run() {
        if (pool.isClosed() || pool.getHikariPoolMXBean() == null) {
            return;
        }
        int idle = pool.getHikariPoolMXBean().getIdleConnections();
        List<Connection> borrowed = new ArrayList<>(idle);
        try {
            for (int i = 0; i < idle; i++) {
                borrowed.add(pool.getConnection());
            }
            for (Connection c : borrowed) {
                if (!c.isValid(validSeconds)) {
                    pool.evictConnection(c);
                }
            }
        } catch (SQLException | RuntimeException e) {
            // The database is down or the pool is closing: HikariCP reconnects when it is back.
            log.debug("sql {}: idle validation failed: {}", name, e.toString());
        } finally {
            for (Connection c : borrowed) {
                try {
                    c.close(); // returns it to the pool (or finishes an eviction)
                } catch (SQLException e) {
                    log.debug("sql {}: returning a connection failed: {}", name, e.toString());
                }
            }
            ticks++;
        }
    }
}
