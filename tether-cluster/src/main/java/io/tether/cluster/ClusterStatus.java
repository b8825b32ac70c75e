package io.tether.cluster;

import io.tether.cluster.internal.ClusterQueries;
import io.tether.cluster.internal.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of a cluster from outside it ({@code tether cluster status}, tests, an admin
 * tool): the live nodes with their leases, presence look-ups. It holds no lease and is no node.
 */
public final class ClusterStatus implements AutoCloseable {
    private final RedisLink link;
    private final ClusterQueries queries;

    private ClusterStatus(ClusterConfig config) {
        this.link = new RedisLink(config, Duration.ofSeconds(2), Duration.ofSeconds(1));
        this.queries = new ClusterQueries(link, config.keyPrefix());
    }

    /** Connects; {@code config.nodeId()} is not used. Throws {@link ClusterUnavailableException}. */
    public static ClusterStatus connect(ClusterConfig config) {
        return new ClusterStatus(config);
    }

    public List<NodeStatus> nodes() {
        return queries.nodes();
    }

    public Map<String, Long> nodesOf(String userId) {
        return queries.nodesOf(userId);
    }

    public long sessionCount() {
        return queries.totals()[0];
    }

    public long userCount() {
        return queries.totals()[1];
    }

    public List<ClusterMember> members(String group) {
        return queries.members(group);
    }

    @Override
    public void close() {
        link.close();
    }
}
