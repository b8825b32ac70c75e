package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.tether.testkit.process.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The seed's Redis problem on a real redis-server with {@code timeout 2}, and both remedies.
 * "Idle" waits are the premise of each test, so they are expressed as "until Redis has dropped the
 * client" (checked with CLIENT LIST from another socket) or "Redis keeps the client for 10 s".
 */
class RedisKeepAliveTest {
    private static final Duration CALL = Duration.ofSeconds(5);
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start(2);
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    /** Idle at least 3 s (longer than timeout 2), and until Redis has closed the client. */
    private static void idleUntilDropped(long clientId) {
        await("redis drops idle client " + clientId).pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(100)).until(() -> !redis.hasClient(clientId));
    }

    private static String ping(RedisBackend backend) throws Exception {
        return backend.call(RedisAsyncCommands::ping, CALL);
    }

    private static long clientId(RedisBackend backend) throws Exception {
        return backend.call(RedisAsyncCommands::clientId, CALL);
    }

    @Test
    void seed_plainConnectionIdleLongerThanTimeoutFails() {
        // A naive client: no background reconnect, as in the seed's PHP example.
        RedisClient client = RedisClient.create(redis.uri());
        client.setOptions(ClientOptions.builder().autoReconnect(false).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long id = c.sync().clientId();
            idleUntilDropped(id);

            assertThat(c.isOpen()).as("Lettuce saw Redis close the idle connection").isFalse();
            // The real error Lettuce gives (phpredis says "Error while reading line from the server").
            assertThatThrownBy(() -> c.sync().ping())
                    .isExactlyInstanceOf(RedisException.class)
                    .hasMessage("Currently not connected. Commands are rejected.");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void lettuceDefaultAutoReconnectHidesTheDropBehindANewConnection() {
        // Why RedisBackend turns autoReconnect off: with the default, the command works, but on a
        // different connection that Lettuce opened in the background after Redis closed the first.
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            long id = c.sync().clientId();
            idleUntilDropped(id);

            assertThat(c.sync().ping()).isEqualTo("PONG");
            assertThat(c.sync().clientId()).as("a new server-side client").isNotEqualTo(id);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void heartbeat_readsTheLimitAndKeepsTheSameConnectionThrough10sIdle() throws Exception {
        try (RedisBackend backend = RedisBackend.start("redis", RedisURI.create(redis.uri()), KeepAliveMode.HEARTBEAT)) {
            long id = clientId(backend);
            assertThat(backend.idleLimit()).contains(Duration.ofSeconds(2));
            assertThat(backend.heartbeatPeriod()).isEqualTo(Duration.ofSeconds(1));
            assertThat(backend.decision()).isEqualTo("redis 127.0.0.1:" + redis.port() + ": timeout is 2 s, pinging every 1 s (half the limit)");

            // The application sends nothing for 10 s; Redis must keep the client the whole time.
            await("redis keeps the kept-alive client for 10 s").during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
                    .pollInterval(Duration.ofMillis(200)).until(() -> redis.hasClient(id));

            assertThat(ping(backend)).isEqualTo("PONG");
            assertThat(clientId(backend)).as("same connection").isEqualTo(id);
            assertThat(backend.connectionsOpened()).isEqualTo(1);
            // One PING per 1 s tick while idle; 10 s of idling gives about 10. At least 5 leaves room
            // for a slow, shared machine without letting "no heartbeat at all" pass.
            assertThat(backend.heartbeatsSent()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void reconnectOnUse_worksAfterRedisDroppedTheIdleConnection() throws Exception {
        try (RedisBackend backend = RedisBackend.start("redis", RedisURI.create(redis.uri()), KeepAliveMode.RECONNECT_ON_USE)) {
            long id = clientId(backend);
            assertThat(backend.decision()).startsWith("redis 127.0.0.1:" + redis.port() + ": timeout is 2 s; reconnect-on-use");
            idleUntilDropped(id);

            assertThat(ping(backend)).isEqualTo("PONG");
            assertThat(clientId(backend)).as("a fresh connection").isNotEqualTo(id);
            assertThat(backend.connectionsOpened()).isEqualTo(2);
            assertThat(backend.heartbeatsSent()).isZero();
        }
    }
}
