package io.tether.cluster;

import io.tether.core.config.ConfigException;
import io.tether.core.config.Values;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster keys (docs/CLUSTER.md, docs/CONFIG.md): {@code cluster_redis} (a Redis URI, or a
 * comma list of Redis Cluster seed URIs), {@code cluster_node_id} (unique per node; host, pid and
 * a random part by default) and {@code cluster_lease_time} (how long a silent node counts as alive).
 * They live here, not in the server's {@code ServerKeys}: the server does not know of clusters.
 */
public final class ClusterConfig {
    /** Key names, as in YAML and (with dashes) on the command line. */
    public static final String REDIS = "cluster_redis";
    public static final String NODE_ID = "cluster_node_id";
    public static final String LEASE_TIME = "cluster_lease_time";
    public static final String RESUME = "cluster_resume";
    public static final String SESSION_MAX_BYTES = "cluster_session_max_bytes";
    /** Every key with its meaning, in the order docs list them (docs/CONFIG.md's cluster table is generated from it). */
    public static final Map<String, String> KEY_DOCS = docs(
            REDIS, "Redis that holds the cluster: `redis://host:port` (`rediss://` for TLS, `redis://password@host:port/db`), "
                    + "or a comma list of Redis Cluster seed URIs. Setting it makes the server a cluster node "
                    + "(docs/CLUSTER.md) and turns on open_sessions. Default: none, the server runs alone.",
            NODE_ID, "This node's id, unique in the cluster; printable, no spaces or braces. A node restarted under the "
                    + "same id ends what its previous process left (reason `node restarted`). Default: host-pid-random.",
            LEASE_TIME, "A node whose lease is not refreshed for this long is declared dead by another node, and each of "
                    + "its sessions goes offline once (`node lost`), except sessions kept in Redis, which wait "
                    + "session_resume_window for their clients on any node. Refreshed every third of it; 300ms to 10m. Default 10s.",
            RESUME, "Keep resumable sessions (a sequenced frame client, session_resume_window above 0) in Redis, so a "
                    + "client resumes on any node and a session outlives its node (docs/CLUSTER.md, \"Sessions that move "
                    + "between nodes\"). Costs a Redis round trip before each message reaches the client and before each "
                    + "ACK. false: sessions resume only on the node that holds them. Default true.",
            SESSION_MAX_BYTES, "Most bytes of unacknowledged messages Redis keeps for one session (the smaller of this and "
                    + "session_replay_bytes applies; session_replay_buffer bounds their number). More ends the session "
                    + "(`replay overflow`); a resume then gets CLOSE 1106. 1K to 1G. Default 1M.");

    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    static final Duration MIN_LEASE = Duration.ofMillis(300);
    static final Duration MAX_LEASE = Duration.ofMinutes(10);

    private final List<String> redis;
    private final String nodeId;
    private final Duration leaseTime;
    private final String keyPrefix;
    private final boolean resume;
    private final long sessionMaxBytes;
    private final AttributeCodec attributeCodec;

    private ClusterConfig(Builder b) {
        if (b.redis == null || b.redis.isEmpty()) {
            throw new ConfigException(REDIS + ": missing; give a Redis URI (redis://127.0.0.1:6379) or a comma list of Redis Cluster seeds");
        }
        this.redis = List.copyOf(b.redis);
        this.nodeId = b.nodeId == null ? defaultNodeId() : b.nodeId;
        this.leaseTime = b.leaseTime;
        this.keyPrefix = b.keyPrefix;
        this.resume = b.resume;
        this.sessionMaxBytes = b.sessionMaxBytes;
        this.attributeCodec = b.attributeCodec;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the cluster keys from a config map (YAML or command line); other keys are ignored.
     * Returns null when {@code cluster_redis} is absent: the node runs alone.
     */
    public static ClusterConfig fromMap(Map<String, ?> values) {
        Object redis = values.get(REDIS);
        if (redis == null) {
            return null;
        }
        Builder b = builder().redis(String.valueOf(redis));
        Object id = values.get(NODE_ID);
        if (id != null) {
            b.nodeId(String.valueOf(id));
        }
        Object lease = values.get(LEASE_TIME);
        if (lease != null) {
            b.leaseTime(Values.duration(LEASE_TIME, lease, MIN_LEASE, MAX_LEASE));
        }
        Object resume = values.get(RESUME);
        if (resume != null) {
            b.resume(Values.bool(RESUME, resume));
        }
        Object max = values.get(SESSION_MAX_BYTES);
        if (max != null) {
            b.sessionMaxBytes(Values.size(SESSION_MAX_BYTES, max, 1024, 1L << 30));
        }
        return b.build();
    }

    /** One URI for a single Redis; several for the seeds of a Redis Cluster. */
    public List<String> redis() {
        return redis;
    }

    /** True when {@code cluster_redis} named more than one seed: a Redis Cluster. */
    public boolean redisCluster() {
        return redis.size() > 1;
    }

    public String nodeId() {
        return nodeId;
    }

    public Duration leaseTime() {
        return leaseTime;
    }

    /** Key {@code cluster_resume}: resumable sessions are kept in Redis and resume on any node. */
    public boolean resume() {
        return resume;
    }

    /** Key {@code cluster_session_max_bytes}: unacknowledged bytes Redis keeps per session. */
    public long sessionMaxBytes() {
        return sessionMaxBytes;
    }

    /** How session attributes are kept in Redis. */
    public AttributeCodec attributeCodec() {
        return attributeCodec;
    }

    /** How often the lease is refreshed and dead nodes are looked for: a third of the lease. */
    public Duration tick() {
        return leaseTime.dividedBy(3);
    }

    /** Every key starts with {@code "{" + keyPrefix + "}:"}; the braces make them one Redis Cluster hash slot. */
    public String keyPrefix() {
        return keyPrefix;
    }

    @Override
    public String toString() {
        return "ClusterConfig{" + REDIS + "=" + String.join(",", redis) + ", " + NODE_ID + "=" + nodeId + ", "
                + LEASE_TIME + "=" + leaseTime.toMillis() + "ms, " + RESUME + "=" + resume + ", " + SESSION_MAX_BYTES + "="
                + sessionMaxBytes + "}";
    }

    /** host-pid-random: unique per process, readable in {@code tether cluster status}. */
    static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        return host + "-" + ProcessHandle.current().pid() + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    }

    private static Map<String, String> docs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    static String checkName(String key, String v) {
        if (v.isEmpty() || v.chars().anyMatch(c -> c < 0x21 || c == '{' || c == '}')) {
            throw new ConfigException(key + ": '" + v + "' is not allowed; use printable characters without spaces or braces");
        }
        return v;
    }

    /** Builds a {@link ClusterConfig}; {@code redis} is required. */
    public static final class Builder {
        private List<String> redis;
        private String nodeId;
        private Duration leaseTime = DEFAULT_LEASE;
        private String keyPrefix = "tether";
        private boolean resume = true;
        private long sessionMaxBytes = 1 << 20;
        private AttributeCodec attributeCodec = AttributeCodec.BASIC;

        private Builder() {
        }

        /** Key {@code cluster_redis}: {@code redis://host:port}, or a comma list of Redis Cluster seeds. */
        public Builder redis(String uris) {
            List<String> list = Arrays.stream(uris.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            for (String u : list) {
                if (!u.startsWith("redis://") && !u.startsWith("rediss://")) {
                    throw new ConfigException(REDIS + ": '" + u + "' is not a Redis URI; use redis://host:port or rediss://host:port");
                }
            }
            redis = list;
            return this;
        }

        /** Key {@code cluster_node_id}: unique in the cluster; default host-pid-random. */
        public Builder nodeId(String v) {
            nodeId = checkName(NODE_ID, Objects.requireNonNull(v, NODE_ID));
            return this;
        }

        /** Key {@code cluster_lease_time}: a node silent this long is declared dead (300ms to 10m). */
        public Builder leaseTime(Duration v) {
            if (v.compareTo(MIN_LEASE) < 0 || v.compareTo(MAX_LEASE) > 0) {
                throw new ConfigException(LEASE_TIME + ": " + v.toMillis() + "ms is out of range; allowed 300ms to 10m");
            }
            leaseTime = v;
            return this;
        }

        /** The hash tag of every key (default {@code tether}); separate clusters on one Redis use different ones. */
        public Builder keyPrefix(String v) {
            keyPrefix = checkName("key prefix", v);
            return this;
        }

        /** Key {@code cluster_resume}: keep resumable sessions in Redis (default true). */
        public Builder resume(boolean v) {
            resume = v;
            return this;
        }

        /** Key {@code cluster_session_max_bytes}: unacknowledged bytes Redis keeps per session, 1K to 1G (default 1M). */
        public Builder sessionMaxBytes(long v) {
            if (v < 1024 || v > 1L << 30) {
                throw new ConfigException(SESSION_MAX_BYTES + ": " + v + " is out of range; allowed 1K to 1G");
            }
            sessionMaxBytes = v;
            return this;
        }

        /** How session attributes are kept in Redis (default {@link AttributeCodec#BASIC}). */
        public Builder attributeCodec(AttributeCodec v) {
            attributeCodec = Objects.requireNonNull(v, "attributeCodec");
            return this;
        }

        public ClusterConfig build() {
            return new ClusterConfig(this);
        }
    }
}
