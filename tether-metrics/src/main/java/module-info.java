/**
 * Micrometer metrics for a Tether server ({@code TetherMetrics}, a {@code ServerObserver}), and the
 * admin endpoint ({@code AdminServer}): Prometheus text, JSON and an offline admin page.
 * {@code io.tether.metrics.internal} is not exported.
 */
module io.tether.metrics {
    requires transitive io.tether.server;
    requires transitive micrometer.core;
    requires micrometer.registry.prometheus;
    requires com.fasterxml.jackson.jr.ob;
    requires jdk.httpserver;
    requires org.slf4j;

    exports io.tether.metrics;
}
