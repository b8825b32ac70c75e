package io.tether.health;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * Reads a MySQL or MariaDB server's idle limit, {@code @@wait_timeout} as the session sees it
 * (JDBC clients are not "interactive", so {@code interactive_timeout} does not apply to them).
 */
final class SqlIdleLimit {
    private SqlIdleLimit() {
    }

    /** Opens one plain connection, reads the limit, closes it; throws if the server cannot be asked. */
    static Duration read(String jdbcUrl, Properties props) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, props);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT @@wait_timeout")) {
            if (!rs.next()) {
                throw new SQLException("SELECT @@wait_timeout returned no row");
            }
            return Duration.ofMillis(Math.round(rs.getDouble(1) * 1000));
        }
    }
}
