package io.tether.cli;

import io.tether.metrics.AdminConfig;
import io.tether.metrics.AdminServer;
import io.tether.metrics.TetherMetrics;
import io.tether.server.TetherServer;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code tether server}'s admin endpoint: the {@code admin_*} keys (YAML or these flags, which win)
 * go to tether-metrics, as {@code health.*} keys go to tether-health. With no admin_port the server
 * runs without metrics at all: no observer, nothing on the hot path.
 */
final class AdminOptions {

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics (/metrics), the admin page (/) and its JSON on this port (docs/METRICS.md). Default: off.")
    String port;

    @Option(names = "--admin-host", paramLabel = "ADDRESS",
            description = "Address of the admin endpoint. Default: 127.0.0.1; any other needs --admin-token.")
    String host;

    @Option(names = "--admin-token", paramLabel = "TOKEN",
            description = "Bearer token for the admin endpoint (at least 16 characters). Default: $TETHER_ADMIN_TOKEN.")
    String token;

    /** Puts the flags given into {@code keys}, over the file's. */
    void putFlags(Map<String, Object> keys) {
        if (port != null) {
            keys.put("admin_port", port);
        }
        if (host != null) {
            keys.put("admin_host", host);
        }
        if (token != null) {
            keys.put("admin_token", token);
        }
    }

    /** Takes the {@code admin_*} keys out of {@code keys} and reads them (a ConfigException names a bad one). */
    static Endpoint split(Map<String, Object> keys) {
        Map<String, Object> admin = new LinkedHashMap<>();
        keys.entrySet().removeIf(e -> {
            if (e.getKey().startsWith("admin_")) {
                admin.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        return new Endpoint(AdminConfig.fromConfig(admin));
    }

    /** The endpoint to run, or nothing when admin_port is off. */
    static final class Endpoint implements AutoCloseable {
        private final AdminConfig config;
        private final TetherMetrics metrics;
        private AdminServer admin;

        Endpoint(AdminConfig config) {
            this.config = config;
            this.metrics = config.enabled() ? new TetherMetrics() : null;
        }

        /** Builds the server (observed when the endpoint is on), starts it, then the endpoint. */
        TetherServer start(TetherServer.Builder builder) {
            return start(builder, s -> { });
        }

        /** As {@link #start(TetherServer.Builder)}, running {@code beforeStart} on the built server first (a cluster joins there). */
        TetherServer start(TetherServer.Builder builder, java.util.function.Consumer<TetherServer> beforeStart) {
            if (metrics == null) {
                TetherServer server = builder.build();
                beforeStart.accept(server);
                return server.start();
            }
            TetherServer server = builder.observer(metrics).build();
            metrics.bindTo(server);
            beforeStart.accept(server);
            server.start();
            try {
                admin = AdminServer.start(config, metrics, server);
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        }

        @Override
        public void close() {
            if (admin != null) {
                admin.close();
            }
        }
    }
}
