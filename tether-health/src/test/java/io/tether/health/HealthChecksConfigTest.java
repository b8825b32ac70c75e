package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.core.config.ConfigException;
import io.tether.server.health.HealthCheck;
import io.tether.testkit.process.FreePort;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthChecksConfigTest {

    private static Map<String, Object> keys(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void closeAll(List<HealthCheck> checks) throws Exception {
        java.util.Optional<Exception> failure = HealthChecks.closeAll(checks);
        if (failure.isPresent()) {
            throw failure.get();
        }
        // Closing twice is harmless (the CLI and a shutdown hook may both do it).
        assertThat(HealthChecks.closeAll(checks)).isEmpty();
    }

    @Test
    void tcpAndTetherChecksFromDottedKeys() {
        List<HealthCheck> checks = HealthChecks.fromConfig(keys(
                "health.tcp.search", "127.0.0.1:9200",
                "health.tether.edge", "127.0.0.1:9501"));

        assertThat(checks).extracting(HealthCheck::name).containsExactly("search", "edge");
        assertThat(checks.get(0)).isInstanceOfSatisfying(TcpHealthCheck.class,
                c -> assertThat(c.target()).isEqualTo(new HostPort("127.0.0.1", 9200)));
        assertThat(checks.get(1)).isInstanceOfSatisfying(TetherHealthCheck.class,
                c -> assertThat(c.target()).isEqualTo(new HostPort("127.0.0.1", 9501)));
    }

    @Test
    void redisAndJdbcChecksAreCloseableAndStartEvenWhenTheBackendIsDown() throws Exception {
        // Nothing listens on these ports: the checks must still be built (and report unhealthy later).
        int redisPort = FreePort.pick();
        int sqlPort = FreePort.pick();
        List<HealthCheck> checks = HealthChecks.fromConfig(keys(
                "health.redis.uri", "redis://127.0.0.1:" + redisPort,
                "health.redis.keepalive", "reconnect",
                "health.jdbc.url", "jdbc:mariadb://127.0.0.1:" + sqlPort + "/app",
                "health.jdbc.user", "app",
                "health.jdbc.password", "secret"));
        try {
            assertThat(checks).extracting(HealthCheck::name).containsExactly("redis", "mariadb");
            assertThat(checks).allSatisfy(c -> assertThat(c).isInstanceOf(AutoCloseable.class));
            assertThat(((RedisHealthCheck) checks.get(0)).backend().mode()).isEqualTo(KeepAliveMode.RECONNECT_ON_USE);
            // health.jdbc.keepalive defaults to heartbeat; with the limit unreadable, HikariCP's keepalive at the ceiling.
            SqlBackend sql = ((JdbcHealthCheck) checks.get(1)).backend();
            assertThat(sql.idleLimit()).isEmpty();
            assertThat(sql.mechanism()).isEqualTo(SqlBackend.Mechanism.HIKARI_KEEPALIVE);
            assertThat(sql.decision()).contains("cannot read @@wait_timeout").endsWith("every 60 s with HikariCP keepaliveTime (the ceiling)");
        } finally {
            closeAll(checks);
        }
    }

    @Test
    void namesCanBeSet() throws Exception {
        List<HealthCheck> checks = HealthChecks.fromConfig(keys(
                "health.redis.uri", "redis://127.0.0.1:" + FreePort.pick(),
                "health.redis.name", "cache"));
        try {
            assertThat(checks).extracting(HealthCheck::name).containsExactly("cache");
        } finally {
            closeAll(checks);
        }
    }

    @Test
    void unknownKeyNamesTheKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.mongo.uri", "mongodb://x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'health.mongo.uri'")
                .hasMessageContaining("health.redis.uri")
                .hasMessageContaining("health.tcp.<name>");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.redis.url", "redis://127.0.0.1:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'health.redis.url'")
                .hasMessageContaining("health.redis.uri, health.redis.name, health.redis.keepalive");
    }

    @Test
    void badValuesNameTheKey() {
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.tcp.db", "127.0.0.1")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.tcp.db: '127.0.0.1' is not host:port");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.tether.peer", "127.0.0.1:99999")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.tether.peer:").hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.redis.uri", "redis://127.0.0.1:1", "health.redis.keepalive", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.redis.keepalive:").hasMessageContaining("heartbeat, reconnect");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.redis.uri", "http://127.0.0.1:1")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.redis.uri:");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.jdbc.url", "mariadb://127.0.0.1:3306")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.jdbc.url: 'mariadb://127.0.0.1:3306' is not a JDBC URL");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.tcp.a b", "127.0.0.1:80")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.tcp.a b: 'a b' is not a usable check name");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.tcp.x", null)))
                .isInstanceOf(ConfigException.class).hasMessage("health.tcp.x: has no value");
    }

    @Test
    void missingRequiredKeyAndDuplicateNamesAreRefused() {
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.jdbc.user", "app")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.jdbc.url: is required");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys("health.redis.keepalive", "heartbeat")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("health.redis.uri: is required");
        assertThatThrownBy(() -> HealthChecks.fromConfig(keys(
                "health.tcp.redis", "127.0.0.1:6379", "health.redis.uri", "redis://127.0.0.1:6379")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("check name 'redis' is already used by health.tcp.redis");
    }

    @Test
    void emptyConfigMeansNoChecks() {
        assertThat(HealthChecks.fromConfig(Map.of())).isEmpty();
    }
}
