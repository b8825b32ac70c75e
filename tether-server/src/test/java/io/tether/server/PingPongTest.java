package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PingPongTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    /** A dependency whose health the test flips, counting how often it is asked. */
    static final class FakeDependency implements HealthCheck {
        final AtomicBoolean up = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "redis";
        }

        @Override
        public HealthResult check(Duration timeout) {
            calls.incrementAndGet();
            return up.get() ? HealthResult.ok() : HealthResult.failed("connection refused");
        }
    }

    private final FakeDependency redis = new FakeDependency();

    private void start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).healthCheck(redis).build().start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void linePingGetsPongAndIsNotDeliveredToTheHandler() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
            c.sendLine("hello");
            await().until(() -> !events.received.isEmpty());
            assertThat(events.received.values().iterator().next()).containsExactly("hello");
        }
    }

    @Test
    void crlfPingWorksLikeNc() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.line(server)) {
            c.raw("ping\r\n".getBytes());
            assertThat(c.readLine()).isEqualTo("pong");
        }
    }

    @Test
    void unhealthyDependencyIsNamedInPongAndHealsWithoutRestart() throws Exception {
        start(ServerConfig.builder().healthCacheTime(Duration.ofMillis(200)).pingMinInterval(Duration.ZERO));
        try (TestClient c = TestClient.line(server)) {
            redis.up.set(false);
            await().atMost(Duration.ofSeconds(3)).until(() -> {
                c.sendLine("ping");
                return c.readLine().equals("pong unhealthy redis");
            });
            redis.up.set(true);
            await().atMost(Duration.ofSeconds(3)).until(() -> {
                c.sendLine("ping");
                return c.readLine().equals("pong");
            });
        }
    }

    @Test
    void pingStormCostsTheDependencyOneCheckPerCachePeriod() throws Exception {
        start(ServerConfig.builder().healthCacheTime(Duration.ofSeconds(30)).pingMinInterval(Duration.ZERO));
        try (TestClient a = TestClient.line(server); TestClient b = TestClient.frame(server)) {
            for (int i = 0; i < 200; i++) {
                a.sendLine("ping");
                assertThat(a.readLine()).isEqualTo("pong");
                b.send(new Frame.Ping(i));
                assertThat(b.readFrame()).isEqualTo(new Frame.Pong(i, true, ""));
            }
            assertThat(redis.calls.get()).isEqualTo(1);
        }
    }

    @Test
    void framePongEchoesIdAndReportsUnhealthy() throws Exception {
        start(ServerConfig.builder().healthCacheTime(Duration.ZERO));
        redis.up.set(false);
        try (TestClient c = TestClient.frame(server)) {
            c.send(new Frame.Ping(77));
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(77, false, "redis"));
        }
    }

    @Test
    void withholdModeSendsNoPongWhileUnhealthy() throws Exception {
        start(ServerConfig.builder().healthFailMode(ServerConfig.HealthFailMode.WITHHOLD).healthCacheTime(Duration.ZERO));
        redis.up.set(false);
        try (TestClient c = TestClient.line(server)) {
            c.socket.setSoTimeout(700);
            c.sendLine("ping");
            org.assertj.core.api.Assertions.assertThatThrownBy(c::readLine).isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void slowCheckCountsAsFailedAfterTheCheckTimeout() throws Exception {
        HealthCheck stuck = new HealthCheck() {
            @Override
            public String name() {
                return "mysql";
            }

            @Override
            public HealthResult check(Duration timeout) throws Exception {
                Thread.sleep(10_000); // a dependency that hangs; the server must not wait for it
                return HealthResult.ok();
            }
        };
        server = TetherServer.builder().config(ServerConfig.builder().port(0).healthCheckTimeout(Duration.ofMillis(300)).build())
                .healthCheck(stuck).build().start();
        try (TestClient c = TestClient.line(server)) {
            long t0 = System.nanoTime();
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong unhealthy mysql");
            // Bound: the 300 ms check timeout, tolerance 700 ms.
            assertThat((System.nanoTime() - t0) / 1e6).isBetween(290.0, 1000.0);
        }
    }

    @Test
    void pingingTooFastIsToldThenClosedWithTooManyPings() throws Exception {
        // A flood: pings pipelined without waiting for pongs, more than the burst plus the strikes.
        // (A client that waits for each pong is self-clocked and never told: PingRateTest.)
        start(ServerConfig.builder().pingMinInterval(Duration.ofSeconds(1)).pingStrikes(2).healthCacheTime(Duration.ofSeconds(30)));
        try (TestClient c = TestClient.frame(server)) {
            long id = c.welcome.connectionId();
            assertThat(c.welcome.minPingIntervalMillis()).isEqualTo(1000);
            // One ping first, so the flood's pongs find the health report cached: a pong waiting on
            // a running check would come after the notice of a later ping.
            c.send(new Frame.Ping(0));
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(0, true, ""));
            Frame[] flood = new Frame[40];
            for (int i = 0; i < flood.length; i++) {
                flood[i] = new Frame.Ping(i + 1);
            }
            c.raw(TestClient.encode(flood));
            List<Frame> got = c.framesUntilClose();
            Frame f = got.get(got.size() - 1);
            List<Frame> notices = got.stream().filter(x -> x instanceof Frame.Notice).toList();
            assertThat(notices).hasSize(1);
            assertThat(((Frame.Notice) notices.get(0)).value()).isEqualTo(1000);
            int noticeAt = got.indexOf(notices.get(0));
            assertThat(noticeAt).as("pongs before the notice: the self-clocked first ping and the burst of 10").isGreaterThanOrEqualTo(11);
            List<Long> pongs = got.stream().filter(x -> x instanceof Frame.Pong).map(x -> ((Frame.Pong) x).id()).toList();
            assertThat(pongs).as("answered in order, not all of them").startsWith(1L, 2L, 3L).hasSizeLessThan(flood.length);
            assertThat(((Frame.Close) f).code()).isEqualTo(CloseReason.TOO_MANY_PINGS.code());
            await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
            assertThat(events.onlyClose(id).reason()).isEqualTo(CloseReason.TOO_MANY_PINGS);
        }
    }
}
