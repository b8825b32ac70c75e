package io.tether.cli;

import io.tether.cluster.ClusterConfig;
import io.tether.core.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code tether server}'s cluster keys: {@code cluster_*} (YAML or these flags, which win) go to
 * tether-cluster, as {@code admin_*} keys go to tether-metrics. With no cluster_redis the server
 * runs alone.
 */
final class ClusterOptions {

    @Option(names = "--cluster-redis", paramLabel = "URI",
            description = "Join a cluster on this Redis (redis://host:port, or a comma list of Redis Cluster seeds); docs/CLUSTER.md. Default: off.")
    String redis;

    @Option(names = "--cluster-node-id", paramLabel = "ID", description = "This node's id in the cluster. Default: host-pid-random.")
    String nodeId;

    @Option(names = "--cluster-lease-time", paramLabel = "DURATION",
            description = "A node silent this long is declared dead and its sessions go offline once. Default: 10s.")
    String leaseTime;

    @Option(names = "--cluster-resume", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            description = "Keep resumable sessions in Redis so clients resume on any node. Default: true.")
    String resume;

    @Option(names = "--cluster-session-max-bytes", paramLabel = "SIZE",
            description = "Unacknowledged bytes Redis keeps per session (1K..1G). Default: 1M.")
    String sessionMaxBytes;

    /** Puts the flags given into {@code keys}, over the file's. */
    void putFlags(Map<String, Object> keys) {
        if (redis != null) {
            keys.put(ClusterConfig.REDIS, redis);
        }
        if (nodeId != null) {
            keys.put(ClusterConfig.NODE_ID, nodeId);
        }
        if (leaseTime != null) {
            keys.put(ClusterConfig.LEASE_TIME, leaseTime);
        }
        if (resume != null) {
            keys.put(ClusterConfig.RESUME, resume);
        }
        if (sessionMaxBytes != null) {
            keys.put(ClusterConfig.SESSION_MAX_BYTES, sessionMaxBytes);
        }
    }

    /**
     * Takes the {@code cluster_*} keys out of {@code keys} and reads them; null when there is no
     * cluster. A cluster turns sessions on (it is built on them): open_sessions false is an error.
     */
    static ClusterConfig split(Map<String, Object> keys) {
        Map<String, Object> cluster = new LinkedHashMap<>();
        keys.entrySet().removeIf(e -> {
            if (e.getKey().startsWith("cluster_")) {
                cluster.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
        for (String k : cluster.keySet()) {
            if (!ClusterConfig.KEY_DOCS.containsKey(k)) {
                throw new ConfigException(k + ": unknown cluster key; the cluster keys are " + String.join(", ", ClusterConfig.KEY_DOCS.keySet()));
            }
        }
        ClusterConfig config = ClusterConfig.fromMap(cluster);
        if (config != null) {
            Object sessions = keys.get("open_sessions");
            if (sessions != null && "false".equalsIgnoreCase(String.valueOf(sessions).trim())) {
                throw new ConfigException(ClusterConfig.REDIS + ": a cluster node needs sessions; drop open_sessions: false");
            }
            keys.put("open_sessions", true);
        }
        return config;
    }
}
