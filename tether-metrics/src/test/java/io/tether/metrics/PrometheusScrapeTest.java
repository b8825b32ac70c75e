package io.tether.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseReason;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.MetricType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A scripted run on real sockets — 3 clients left idle until the server closes them, 2 that close
 * themselves, 1 that breaks the protocol, 5 pings — then a scrape of the admin endpoint's
 * {@code /metrics}, parsed as Prometheus text, shows exactly those counts.
 */
class PrometheusScrapeTest {
    private TetherServer server;
    private AdminServer admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerConfig config, String token) {
        TetherMetrics metrics = new TetherMetrics();
        server = TetherServer.builder().config(config).observer(metrics).build();
        metrics.bindTo(server);
        server.start();
        admin = AdminServer.start(new AdminConfig("127.0.0.1", AdminConfig.ANY_PORT, token), metrics, server);
    }

    @Test
    void scrapeShowsExactlyTheScriptedRun() throws Exception {
        start(ServerConfig.builder().port(0).heartbeatIdleTime(Duration.ofSeconds(1)).packageMaxLength(64)
                .pingMinInterval(Duration.ZERO).build(), null);
        int port = server.localAddress().getPort();

        // 3 idle: connect, say nothing; the idle deadline closes them.
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            idle.add(new Socket("127.0.0.1", port));
        }
        // 5 pings on one connection, each answered, then a clean close (FIN): peer closed.
        try (Socket pinger = new Socket("127.0.0.1", port)) {
            OutputStream out = pinger.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(pinger.getInputStream(), StandardCharsets.US_ASCII));
            for (int i = 0; i < 5; i++) {
                out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(in.readLine()).isEqualTo("pong");
            }
        }
        // A second clean close, with nothing sent.
        new Socket("127.0.0.1", port).close();
        // 1 protocol error: a line longer than package_max_length (64).
        try (Socket bad = new Socket("127.0.0.1", port)) {
            bad.getOutputStream().write("x".repeat(100).getBytes(StandardCharsets.US_ASCII));
            bad.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(bad.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("error protocol error");
            assertThat(in.readLine()).isNull();
        }
        for (Socket s : idle) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertThat(in.read()).as("the idle deadline closes the connection").isEqualTo(-1);
            s.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount() == 0);

        // Each count is final once its close event fired; the closed counter moves before onClose.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                Scrape.of(admin.port(), null).sum("tether_connections_closed_total")).isEqualTo(6));
        Scrape s = Scrape.of(admin.port(), null);

        assertThat(s.contentType).startsWith("text/plain; version=0.0.4");
        assertThat(s.family("tether_connections_closed_total").getType()).isEqualTo(MetricType.COUNTER);
        assertThat(s.value("tether_connections_closed_total", "reason", "idle timeout")).isEqualTo(3);
        assertThat(s.value("tether_connections_closed_total", "reason", "peer closed")).isEqualTo(2);
        assertThat(s.value("tether_connections_closed_total", "reason", "protocol error")).isEqualTo(1);
        for (CloseReason r : CloseReason.values()) {
            if (r != CloseReason.IDLE_TIMEOUT && r != CloseReason.PEER_CLOSED && r != CloseReason.PROTOCOL_ERROR) {
                assertThat(s.value("tether_connections_closed_total", "reason", r.text())).as(r.text()).isZero();
            }
        }
        assertThat(s.value("tether_connections_opened_total", "transport", "tcp")).isEqualTo(6);
        assertThat(s.value("tether_pings_received_total", "framing", "line")).isEqualTo(5);
        assertThat(s.sum("tether_pings_received_total")).isEqualTo(5);
        assertThat(s.value("tether_pings_strikes_total")).isZero();
        assertThat(s.sum("tether_connections_live")).isZero();
        assertThat(s.value("tether_connections_outbound_queued_bytes")).isZero();

        // How late each idle close was: three observations. The bound is loose on purpose (a shared,
        // loaded 2-core machine): the wheel ticks every 10 ms, so a close is normally a tick late at most.
        Histogram late = s.histogram("tether_close_lateness_seconds", "reason", "idle timeout");
        assertThat(s.family("tether_close_lateness_seconds").getType()).isEqualTo(MetricType.HISTOGRAM);
        assertThat(late.getSampleCount()).isEqualTo(3);
        assertThat(late.getSampleSum()).isBetween(0.0, 3 * 1.0);
        assertThat(late.getBuckets()).isNotEmpty();
        assertThat(s.histogram("tether_close_lateness_seconds", "reason", "ping timeout").getSampleCount()).isZero();
        assertThat(s.histogram("tether_server_ping_round_trip_seconds").getSampleCount()).isZero();
    }

    @Test
    void sessionsAreCountedFromPresenceEvents() throws Exception {
        start(ServerConfig.builder().port(0).openSessions(true).build(), null);
        int port = server.localAddress().getPort();
        try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
            for (Socket s : List.of(a, b)) {
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII)); // a line session starts at its first byte
                s.getOutputStream().flush();
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(Scrape.of(admin.port(), null).value("tether_sessions_live")).isEqualTo(2));
            Scrape live = Scrape.of(admin.port(), null);
            assertThat(live.value("tether_sessions_started_total")).isEqualTo(2);
            assertThat(live.value("tether_sessions_detached")).isZero();
            assertThat(live.value("tether_connections_live", "transport", "tcp", "framing", "line")).isEqualTo(2);
        }
        // Gauges come from a walk cached for half a second; counters move at once.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Scrape now = Scrape.of(admin.port(), null);
            assertThat(now.sum("tether_sessions_ended_total")).isEqualTo(2);
            assertThat(now.value("tether_sessions_live")).isZero();
        });
        Scrape s = Scrape.of(admin.port(), null);
        assertThat(s.value("tether_sessions_resumed_total")).isZero();
        assertThat(s.value("tether_sessions_replay_bytes")).isZero();
    }

    @Test
    void aTokenGuardsTheEndpoint() throws Exception {
        String token = "0123456789abcdef0123";
        start(ServerConfig.builder().port(0).build(), token);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + admin.port() + "/metrics");
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(uri).header("Authorization", "Bearer wrong-token-0123456789").build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        assertThat(Scrape.of(admin.port(), token).value("tether_connections_opened_total", "transport", "tcp")).isZero();
    }
}
