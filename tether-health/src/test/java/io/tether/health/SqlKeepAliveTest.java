package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.health.fixture.MariaDbServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's MySQL problem on a real mariadbd with {@code wait_timeout=2}, and both remedies on a
 * HikariCP pool of one connection (so "the" connection is well defined).
 */
class SqlKeepAliveTest {
    private static MariaDbServer db;

    @BeforeAll
    static void startDb() {
        db = MariaDbServer.start(2);
    }

    @AfterAll
    static void stopDb() {
        if (db != null) {
            db.close();
        }
    }

    private static long connectionId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long borrowId(SqlBackend backend) throws SQLException {
        try (Connection c = backend.dataSource().getConnection()) {
            return connectionId(c);
        }
    }

    /** Idle at least 3 s (longer than wait_timeout 2), and until the server has closed the session. */
    private static void idleUntilDropped(long id) {
        await("mariadb drops idle session " + id).pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(200)).until(() -> !db.hasConnection(id));
    }

    private static SqlBackend start(KeepAliveMode mode, String urlSuffix) {
        return SqlBackend.start("mariadb", db.url() + urlSuffix, db.user(), "", mode, 1, Duration.ofSeconds(2));
    }

    @Test
    void seed_plainConnectionIdleLongerThanWaitTimeoutFails() throws Exception {
        try (Connection c = db.connect()) {
            long id = connectionId(c);
            idleUntilDropped(id);

            // The real error from MariaDB Connector/J 3.5 (PHP's mysqli says "MySQL server has gone away").
            assertThatThrownBy(() -> connectionId(c))
                    .isInstanceOf(SQLNonTransientConnectionException.class)
                    .hasMessageContaining("Socket error")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as("SQLState class 08, connection exception").startsWith("08"));
        }
    }

    @Test
    void heartbeat_limitBelowHikariMinimum_scheduledValidationKeepsTheConnectionThrough10sIdle() throws Exception {
        try (SqlBackend backend = start(KeepAliveMode.HEARTBEAT, "")) {
            assertThat(backend.idleLimit()).contains(Duration.ofSeconds(2));
            assertThat(backend.heartbeatPeriod()).isEqualTo(Duration.ofSeconds(1));
            assertThat(backend.mechanism()).isEqualTo(SqlBackend.Mechanism.SCHEDULED_VALIDATION);
            assertThat(backend.decision()).isEqualTo("mariadb " + db.url() + ": wait_timeout is 2 s, pinging idle pool "
                    + "connections every 1 s (half the limit) with a scheduled isValid: HikariCP keepaliveTime cannot go below 30 s");
            long id = borrowId(backend);

            await("mariadb keeps the pooled session for 10 s").during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
                    .pollInterval(Duration.ofMillis(250)).until(() -> db.hasConnection(id));

            assertThat(borrowId(backend)).as("same session after 10 s idle").isEqualTo(id);
            assertThat(backend.poolStats().getTotalConnections()).isEqualTo(1);
            // One validation pass per 1 s while idle: about 10; at least 5 allows for a slow machine.
            assertThat(backend.validationTicks()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void heartbeat_limitAboveHikariMinimum_usesHikariKeepaliveTime() {
        // Connector/J sets the session's wait_timeout from the URL, and SELECT @@wait_timeout reads it
        // back: a real 100 s limit without waiting 100 s.
        try (SqlBackend backend = start(KeepAliveMode.HEARTBEAT, "?sessionVariables=wait_timeout=100")) {
            assertThat(backend.idleLimit()).contains(Duration.ofSeconds(100));
            assertThat(backend.mechanism()).isEqualTo(SqlBackend.Mechanism.HIKARI_KEEPALIVE);
            assertThat(backend.hikari().getKeepaliveTime()).isEqualTo(50_000);
            assertThat(backend.decision()).endsWith(": wait_timeout is 100 s, pinging idle pool connections every 50 s with HikariCP keepaliveTime (half the limit)");
            assertThat(backend.validationTicks()).isZero();
        }
    }

    @Test
    void reconnectOnUse_hikariReplacesTheConnectionTheServerClosed() throws Exception {
        try (SqlBackend backend = start(KeepAliveMode.RECONNECT_ON_USE, "")) {
            assertThat(backend.mechanism()).isEqualTo(SqlBackend.Mechanism.VALIDATE_ON_BORROW);
            assertThat(backend.hikari().getKeepaliveTime()).isZero();
            long id = borrowId(backend);
            idleUntilDropped(id);

            long again = borrowId(backend);
            assertThat(again).as("a new session replaced the closed one").isNotEqualTo(id);
            assertThat(backend.poolStats().getTotalConnections()).isEqualTo(1);
        }
    }
}
