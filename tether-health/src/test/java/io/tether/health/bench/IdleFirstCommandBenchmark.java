package io.tether.health.bench;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.tether.health.KeepAliveMode;
import io.tether.health.RedisBackend;
import io.tether.health.SqlBackend;
import io.tether.health.fixture.MariaDbServer;
import io.tether.testkit.process.RedisServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Latency of the first command after an idle period longer than the backend's idle limit, for a
 * plain connection (which fails: time to the error, and time to recover by reconnecting by hand),
 * reconnect-on-use and keep-alive; Redis ({@code timeout 2}) and MariaDB ({@code wait_timeout=2}).
 *
 * <p>Each run opens a fresh plain connection, uses every variant once, then sends nothing until
 * the server has dropped the plain connection and at least 3 s have passed; then it times the
 * first command of each variant. Not a unit test: run it with
 * {@code ./mvnw -q -pl tether-health -am -Phealth-bench -DskipTests test} (optionally
 * {@code -Dbench.runs=20}). Prints a Markdown table.
 */
public final class IdleFirstCommandBenchmark {
    private static final Duration IDLE = Duration.ofSeconds(3);
    private static final Duration CALL = Duration.ofSeconds(5);
    /** Every distinct error the plain connections gave, printed with the table. */
    private static final Set<String> ERRORS = new TreeSet<>();

    private IdleFirstCommandBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("bench.runs", 20);
        Map<String, Samples> results = new LinkedHashMap<>();
        Instant started = Instant.now();
        try (RedisServer redis = RedisServer.start(2)) {
            redis(redis, runs, results);
        }
        try (MariaDbServer db = MariaDbServer.start(2)) {
            mariadb(db, runs, results);
        }
        System.out.println();
        System.out.println("runs: " + runs + ", started " + started + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println();
        System.out.println("| backend / variant | median ms | p90 ms | n |");
        System.out.println("|---|---:|---:|---:|");
        results.forEach((k, s) -> System.out.println("| " + k + " | " + Samples.ms(s.percentile(50)) + " | "
                + Samples.ms(s.percentile(90)) + " | " + s.count() + " |"));
        System.out.println();
        System.out.println("errors of the plain connections (distinct, with the connection number masked):");
        ERRORS.forEach(e -> System.out.println("  " + e));
    }

    private static Samples samples(Map<String, Samples> results, String key) {
        return results.computeIfAbsent(key, k -> new Samples());
    }

    private static void redis(RedisServer redis, int runs, Map<String, Samples> results) throws Exception {
        RedisURI uri = RedisURI.create(redis.uri());
        RedisClient plainClient = RedisClient.create(uri);
        plainClient.setOptions(ClientOptions.builder().autoReconnect(false).build());
        RedisClient defaultClient = RedisClient.create(uri);
        try (RedisBackend reconnect = RedisBackend.start("redis", uri, KeepAliveMode.RECONNECT_ON_USE);
                RedisBackend heartbeat = RedisBackend.start("redis", uri, KeepAliveMode.HEARTBEAT);
                StatefulRedisConnection<String, String> lettuceDefault = defaultClient.connect()) {
            for (int run = 0; run < runs; run++) {
                StatefulRedisConnection<String, String> plain = plainClient.connect();
                long plainId = plain.sync().clientId();
                lettuceDefault.sync().ping();
                ping(reconnect);
                ping(heartbeat);
                long idleFrom = System.nanoTime();
                await().pollDelay(IDLE).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !redis.hasClient(plainId));
                long idle = System.nanoTime() - idleFrom;

                long t0 = System.nanoTime();
                try {
                    plain.sync().ping();
                    throw new IllegalStateException("plain connection survived " + idle / 1_000_000 + " ms idle");
                } catch (io.lettuce.core.RedisException expected) {
                    samples(results, "Redis / plain: time to error").add(System.nanoTime() - t0);
                    ERRORS.add(expected.toString());
                }
                plain.close();
                plain = plainClient.connect();
                plain.sync().ping();
                samples(results, "Redis / plain: error + reconnect + PING").add(System.nanoTime() - t0);
                plain.close();

                t0 = System.nanoTime();
                lettuceDefault.sync().ping();
                samples(results, "Redis / Lettuce default (autoReconnect in background)").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                ping(reconnect);
                samples(results, "Redis / reconnect-on-use (RedisBackend)").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                ping(heartbeat);
                samples(results, "Redis / keep-alive (RedisBackend heartbeat)").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                ping(heartbeat);
                samples(results, "Redis / reference: the next PING, no idle").add(System.nanoTime() - t0);
                System.err.println("redis run " + (run + 1) + "/" + runs + " idle " + idle / 1_000_000 + " ms");
            }
            System.err.println("redis heartbeats sent: " + heartbeat.heartbeatsSent() + ", reconnect-on-use connections: "
                    + reconnect.connectionsOpened());
        } finally {
            plainClient.shutdown();
            defaultClient.shutdown();
        }
    }

    private static void ping(RedisBackend b) throws Exception {
        String r = b.call(RedisAsyncCommands::ping, CALL);
        if (!"PONG".equals(r)) {
            throw new IllegalStateException("PING answered " + r);
        }
    }

    private static void mariadb(MariaDbServer db, int runs, Map<String, Samples> results) throws Exception {
        try (SqlBackend reconnect = SqlBackend.start("mariadb", db.url(), db.user(), "", KeepAliveMode.RECONNECT_ON_USE, 1, CALL);
                SqlBackend heartbeat = SqlBackend.start("mariadb", db.url(), db.user(), "", KeepAliveMode.HEARTBEAT, 1, CALL)) {
            for (int run = 0; run < runs; run++) {
                Connection plain = db.connect();
                long plainId = selectConnectionId(plain);
                borrowSelect(reconnect);
                borrowSelect(heartbeat);
                long idleFrom = System.nanoTime();
                await().pollDelay(IDLE).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                        .until(() -> !db.hasConnection(plainId));
                long idle = System.nanoTime() - idleFrom;

                long t0 = System.nanoTime();
                try {
                    selectConnectionId(plain);
                    throw new IllegalStateException("plain connection survived " + idle / 1_000_000 + " ms idle");
                } catch (SQLException expected) {
                    samples(results, "MariaDB / plain: time to error").add(System.nanoTime() - t0);
                    ERRORS.add(expected.toString().replaceAll("\\(conn=\\d+\\)", "(conn=N)")
                            + " [SQLState " + expected.getSQLState() + ", cause " + expected.getCause() + "]");
                }
                plain.close();
                try (Connection again = db.connect()) {
                    selectConnectionId(again);
                }
                samples(results, "MariaDB / plain: error + reconnect + SELECT").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                borrowSelect(reconnect);
                samples(results, "MariaDB / reconnect-on-use (HikariCP validate on borrow)").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                borrowSelect(heartbeat);
                samples(results, "MariaDB / keep-alive (SqlBackend scheduled validation)").add(System.nanoTime() - t0);

                t0 = System.nanoTime();
                borrowSelect(heartbeat);
                samples(results, "MariaDB / reference: the next borrow + SELECT, no idle").add(System.nanoTime() - t0);
                System.err.println("mariadb run " + (run + 1) + "/" + runs + " idle " + idle / 1_000_000 + " ms");
            }
        }
    }

    private static long selectConnectionId(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CONNECTION_ID()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void borrowSelect(SqlBackend b) throws SQLException {
        try (Connection c = b.dataSource().getConnection()) {
            selectConnectionId(c);
        }
    }
}
