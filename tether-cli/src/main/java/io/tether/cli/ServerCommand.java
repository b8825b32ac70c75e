package io.tether.cli;

import io.tether.cluster.ClusterConfig;
import io.tether.cluster.ClusterUnavailableException;
import io.tether.cluster.TetherCluster;
import io.tether.core.close.CloseInfo;
import io.tether.core.config.ConfigException;
import io.tether.core.config.Setting;
import io.tether.core.config.Settings;
import io.tether.health.HealthChecks;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthCheck;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code tether server}: runs a server with a handler that logs every event, or echoes. Every
 * config key is also a flag ({@code heartbeat_idle_time} is {@code --heartbeat-idle-time}); flags
 * override the YAML file.
 */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a Tether server (default 127.0.0.1:9501, line and frame clients on one port).",
                "Try: nc 127.0.0.1 9501, then type ping."})
final class ServerCommand implements Callable<Integer> {

    @CommandLine.Mixin
    LogOptions logOptions;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML file of config keys (docs/CONFIG.md).")
    Path configFile;

    @Option(names = "--echo", description = "Echo every message back to its sender.")
    boolean echo;

    @Option(names = "--websocket-demo", description = "Serve a chat and live-counter page for browsers at / (WebSocket and "
            + "resumable sessions on; docs/WEBSOCKET.md).")
    boolean websocketDemo;

    @Option(names = "--health", paramLabel = "KEY=VALUE",
            description = "A health check key without its 'health.' prefix, e.g. --health redis.uri=redis://127.0.0.1:6379 (docs/HEALTH.md). Repeatable.")
    Map<String, String> health = new LinkedHashMap<>();

    @CommandLine.Mixin
    AdminOptions admin = new AdminOptions();

    @CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @CommandLine.Spec
    CommandSpec spec;

    /** Adds one flag per config key, described from the key registry. */
    static void addConfigFlags(CommandSpec spec) {
        for (Setting<ServerConfig.Builder> s : ServerConfig.SETTINGS.all()) {
            boolean bool = "true".equals(s.defaultText()) || "false".equals(s.defaultText());
            OptionSpec.Builder o = OptionSpec.builder(s.flag()).type(String.class)
                    .paramLabel(bool ? "BOOL" : "VALUE")
                    .description(s.description().replace("`", "") + " Default: " + s.defaultText() + ".");
            if (bool) {
                o.arity("0..1").fallbackValue("true");
            }
            spec.addOption(o.build());
        }
    }

    /** A server's config and the health checks it answers pings with. */
    record Setup(ServerConfig config, List<HealthCheck> checks) {
    }

    /** What these keys (a config file's, then the flags') declare; health.* keys go to tether-health. */
    static Setup setup(Map<String, Object> keys) {
        Map<String, Object> serverKeys = new LinkedHashMap<>();
        Map<String, Object> healthKeys = new LinkedHashMap<>();
        keys.forEach((k, v) -> (k.startsWith("health.") ? healthKeys : serverKeys).put(k, v));
        ServerConfig config = ServerConfig.fromMap(serverKeys);
        return new Setup(config, HealthChecks.fromConfig(healthKeys));
    }

    @Override
    public Integer call() {
        ServerConfig config;
        List<HealthCheck> checks;
        AdminOptions.Endpoint endpoint;
        ClusterConfig clusterConfig;
        try {
            Map<String, Object> keys = new LinkedHashMap<>();
            if (configFile != null) {
                keys.putAll(Settings.readYaml(configFile));
            }
            for (Setting<ServerConfig.Builder> s : ServerConfig.SETTINGS.all()) {
                Object v = spec.findOption(s.flag()).getValue();
                if (v != null) {
                    keys.put(s.key(), v);
                }
            }
            health.forEach((k, v) -> keys.put("health." + k, v));
            admin.putFlags(keys);
            clusterOptions.putFlags(keys);
            endpoint = AdminOptions.split(keys);
            clusterConfig = ClusterOptions.split(keys);
            Setup setup = setup(keys);
            config = setup.config();
            checks = setup.checks();
        } catch (ConfigException e) {
            System.err.println("tether server: " + e.getMessage());
            return 2;
        }
        EventLog events = new EventLog(echo);
        ClusterHandler clusterHandler = clusterConfig == null ? null : new ClusterHandler(events);
        ServerHandler base = clusterHandler == null ? events : clusterHandler;
        WebSocketDemo demo = websocketDemo ? new WebSocketDemo() : null;
        TetherServer.Builder builder = TetherServer.builder().config(demo == null ? config : WebSocketDemo.config(config)).handler(base);
        if (demo != null) {
            demo.install(builder).handler(new ServerHandler() { // the demo's messages, then the event log's (or the cluster's) handling
                @Override
                public void onConnect(Connection conn) {
                    base.onConnect(conn);
                }

                @Override
                public void onReceive(Connection conn, Message message) {
                    base.onReceive(conn, message);
                    demo.onReceive(conn, message);
                }

                @Override
                public void onClose(Connection conn, CloseInfo info) {
                    base.onClose(conn, info);
                }
            });
        }
        checks.forEach(builder::healthCheck);
        TetherServer server;
        TetherCluster[] cluster = new TetherCluster[1];
        try {
            server = endpoint.start(builder, s -> {
                if (clusterConfig != null) {
                    cluster[0] = TetherCluster.join(s, clusterConfig); // before start: no session is missed
                    clusterHandler.bind(s, cluster[0]);
                    LoggerFactory.getLogger("tether.cluster").info("cluster node {} joined ({}, lease {} ms)",
                            clusterConfig.nodeId(), String.join(",", clusterConfig.redis()), clusterConfig.leaseTime().toMillis());
                }
            });
            if (demo != null) {
                demo.start(server);
                System.out.println("tether server: WebSocket demo at http://" + server.localAddress().getHostString() + ":"
                        + server.localAddress().getPort() + "/");
            }
        } catch (IllegalStateException | ClusterUnavailableException e) {
            HealthChecks.closeAll(checks);
            events.close();
            System.err.println("tether server: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Shutdown.onInterrupt(() -> {
            // Whatever one step throws, the process still exits: a stop that hangs is worse than one that logs.
            try {
                endpoint.close();
                if (demo != null) {
                    demo.close();
                }
                server.close();
                if (cluster[0] != null) {
                    cluster[0].close();
                }
                HealthChecks.closeAll(checks);
                events.close();
            } finally {
                stopped.countDown();
            }
        });
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
