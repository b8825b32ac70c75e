package io.tether.cluster;

import io.tether.cluster.internal.ClusterQueries;
import io.tether.cluster.internal.EventReader;
import io.tether.cluster.internal.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A read-only view of a cluster from outside it ({@code tether cluster status}, tests, an admin
 * tool): the live nodes with their leases, presence look-ups and events. It holds no lease and
 * is no node.
 */
public final class ClusterStatus implements AutoCloseable {
    private final ClusterConfig config;
    private final RedisLink link;
    private final ClusterQueries queries;
    private EventReader events;

    private ClusterStatus(ClusterConfig config) {
        this.config = config;
        this.link = new RedisLink(config, Duration.ofSeconds(2), Duration.ofSeconds(1));
        this.queries = new ClusterQueries(link, config.keyPrefix());
    }

    /**
     * Watches the cluster's presence events from now on (a {@code tether-cluster-events} thread),
     * as a node's listeners see them.
     */
    public synchronized void addListener(ClusterPresenceListener listener) {
        if (events == null) {
            events = new EventReader(link, config.keyPrefix(), Duration.ofSeconds(1));
            events.addListener(listener);
            events.start();
        } else {
            events.addListener(listener);
        }
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
    public synchronized void close() {
        if (events != null) {
            events.close();
        }
        link.close();
    }
}
