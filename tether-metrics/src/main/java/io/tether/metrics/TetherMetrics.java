package io.tether.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.metrics.internal.Meters;
import io.tether.server.Connection;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthResult;
import io.tether.server.spi.ServerObserver;
import java.util.Objects;

/**
 * A Tether server's metrics in Micrometer (docs/METRICS.md lists every meter): connections live,
 * opened and closed by reason, how late each idle or ping-timeout close was, server-ping round
 * trips, client pings and strikes, health checks, sessions, queued bytes, slow consumers.
 *
 * <pre>{@code
 * TetherMetrics metrics = new TetherMetrics();              // its own Prometheus registry
 * TetherServer server = TetherServer.builder().config(config).observer(metrics).build();
 * metrics.bindTo(server);                                     // gauges and session events; before start
 * server.start();
 * AdminServer admin = AdminServer.start(AdminConfig.fromConfig(Map.of("admin_port", 9502)), metrics, server);
 * }</pre>
 *
 * <p>No meter is labelled per user or per connection: a label's values are close reasons,
 * framings, transports, health-check names and slow-consumer limits, all few.
 */
public final class TetherMetrics implements ServerObserver {
    private final Meters meters;

    /** Metrics in a new Prometheus registry, which {@link AdminServer} serves at {@code /metrics}. */
    public TetherMetrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Metrics in {@code registry} (a composite, say); {@code /metrics} needs a Prometheus registry in it. */
    public TetherMetrics(MeterRegistry registry) {
        this.meters = new Meters(Objects.requireNonNull(registry, "registry"));
    }

    /** Where the meters are. */
    public MeterRegistry registry() {
        return meters.registry();
    }

    /**
     * Registers the gauges read from {@code server} (live connections, queued bytes, sessions) and,
     * with sessions on, listens to its presence events. Call once, after {@code build()} and before
     * {@code start()}, on the server that has this as its observer.
     *
     * @return this
     */
    public TetherMetrics bindTo(TetherServer server) {
        boolean sessionsOn = server.config().openSessions();
        meters.bind(server, sessionsOn);
        return this;
    }

    Meters meters() {
        return meters;
    }

    // ------------------------------------------------------------------ ServerObserver

    @Override
    public void opened(Connection c) {
        meters.opened(c);
    }

    @Override
    public void closed(Connection c, CloseInfo info) {
        meters.closed(info);
    }

    @Override
    public void deadlineClose(Connection c, CloseReason reason, long lateNanos) {
        meters.deadlineClose(reason, lateNanos);
    }

    @Override
    public void pingReceived(Connection c) {
        meters.pingReceived(c);
    }

    @Override
    public void pingStrike(Connection c) {
        meters.pingStrike();
    }

    @Override
    public void serverPingAnswered(Connection c, long nanos) {
        meters.serverPingAnswered(nanos);
    }

    @Override
    public void healthChecked(String check, HealthResult result, long nanos) {
        meters.healthChecked(check, result, nanos);
    }

    @Override
    public void slowConsumer(Connection c, boolean hard) {
        meters.slowConsumer(hard);
    }
}
