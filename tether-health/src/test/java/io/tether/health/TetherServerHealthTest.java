package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import io.tether.testkit.process.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The checks of this module inside a real TetherServer, seen through its line protocol. */
class TetherServerHealthTest {
    private static final Logger log = LoggerFactory.getLogger(TetherServerHealthTest.class);
    private static final Duration CACHE = Duration.ofMillis(500);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(1);
    /** Allowed lateness: ping polling (50 ms), 2 shared cores, other builds running. */
    private static final Duration TOLERANCE = Duration.ofMillis(500);

    private static ServerConfig config() {
        return ServerConfig.builder().port(0).healthCacheTime(CACHE).healthCheckTimeout(CHECK_TIMEOUT)
                .pingMinInterval(Duration.ZERO).build();
    }

    /** One {@code ping} over a fresh plain socket; the reply line. */
    private static String ping(InetSocketAddress server) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void redisStoppedMakesPongUnhealthyWithinCacheTimePlusTimeoutAndRecoversWithoutRestart() throws Exception {
        try (RedisServer redis = RedisServer.start(2)) {
            // Declared as in the server's YAML, the way the CLI hands the health.* keys over.
            List<HealthCheck> checks = HealthChecks.fromConfig(Map.of("health.redis.uri", redis.uri()));
            TetherServer.Builder builder = TetherServer.builder().config(config());
            checks.forEach(builder::healthCheck);
            // The server does not own the checks: whoever built them closes them after it stops.
            try (RedisHealthCheck redisCheck = (RedisHealthCheck) checks.get(0);
                    TetherServer server = builder.build().start()) {
                assertThat(redisCheck.backend().mode()).isEqualTo(KeepAliveMode.HEARTBEAT);
                InetSocketAddress address = server.localAddress();
                await("pong healthy").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .ignoreExceptions().until(() -> "pong".equals(ping(address)));

                redis.stopProcess();
                long stoppedAt = System.nanoTime();
                AtomicLong unhealthyAt = new AtomicLong();
                Duration bound = CACHE.plus(CHECK_TIMEOUT).plus(TOLERANCE);
                await("pong unhealthy redis").atMost(bound.plusSeconds(2)).pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            boolean unhealthy = "pong unhealthy redis".equals(ping(address));
                            if (unhealthy) {
                                unhealthyAt.set(System.nanoTime());
                            }
                            return unhealthy;
                        });
                Duration took = Duration.ofNanos(unhealthyAt.get() - stoppedAt);
                log.info("pong said 'unhealthy redis' {} ms after redis stopped (bound {} ms)", took.toMillis(), bound.toMillis());
                assertThat(took).as("health_cache_time 500 ms + health_check_timeout 1 s + 500 ms tolerance").isLessThanOrEqualTo(bound);

                redis.startProcess(); // same port; the Tether server keeps running
                await("pong healthy again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> "pong".equals(ping(address)));
                assertThat(server.localAddress()).isEqualTo(address);
            }
        }
    }

    @Test
    void tetherCheckSeesAnotherTetherServersHealth() throws Exception {
        AtomicReference<HealthResult> downstream = new AtomicReference<>(HealthResult.ok());
        HealthCheck flaky = new HealthCheck() {
            @Override
            public String name() {
                return "queue";
            }

            @Override
            public HealthResult check(Duration timeout) {
                return downstream.get();
            }
        };
        try (TetherServer other = TetherServer.builder().config(config()).healthCheck(flaky).build().start()) {
            // The subject is how the check reads the other server's answers, not that server's
            // cold start: its first pong on a loaded 2-core machine took over 1 s once. Warm it up.
            InetSocketAddress address = other.localAddress();
            await("the other server answers").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions().until(() -> "pong".equals(ping(address)));
            TetherHealthCheck check = new TetherHealthCheck("edge", new HostPort("127.0.0.1", address.getPort()));
            Duration timeout = Duration.ofSeconds(3);
            HealthResult up = check.check(timeout);
            assertThat(up.healthy()).as(up.detail()).isTrue();

            downstream.set(HealthResult.failed("queue full"));
            await("the other server reports its failing check").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> !check.check(timeout).healthy());
            assertThat(check.check(timeout).detail()).isEqualTo("unhealthy queue");
        }
    }
}
