package io.tether.cluster;

import io.lettuce.core.RedisException;
import io.tether.cluster.internal.ClusterQueries;
import io.tether.cluster.internal.EventReader;
import io.tether.cluster.internal.KeptSessions;
import io.tether.cluster.internal.NodeAgent;
import io.tether.cluster.internal.RedisLink;
import io.tether.cluster.internal.Router;
import io.tether.server.TetherServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One server node's membership of a cluster on Redis (docs/CLUSTER.md): the node's bound sessions
 * registered in Redis under a lease, cluster-wide presence and its events, and sends that reach
 * users, groups and sessions on every node. When a node dies, exactly one survivor declares it
 * dead and every one of its sessions goes offline once, with reason {@code node lost}.
 *
 * <pre>{@code
 * TetherServer server = TetherServer.builder().config(cfg.openSessions(true).build()).handler(h).build();
 * TetherCluster cluster = TetherCluster.join(server, ClusterConfig.builder().redis("redis://10.0.0.5:6379").build());
 * server.start();
 * cluster.sendToUser("alice", "you have mail");     // wherever alice is connected
 * }</pre>
 *
 * <p>Cluster calls throw {@link ClusterUnavailableException} at once while Redis cannot be
 * reached; the server's own {@code sessions()} stays local and keeps working. Sends never block
 * (they return a future); the presence look-ups wait for one Redis round trip, so call them off
 * the event loops (from a handler executor, or another thread).
 */
public final class TetherCluster implements AutoCloseable {
    private final ClusterConfig config;
    private final RedisLink link;
    private final ScheduledExecutorService thread;
    private final NodeAgent agent;
    private final EventReader events;
    private final Router router;
    private final ClusterQueries queries;
    /** Resumable sessions kept in Redis; null when cluster_resume is off or the server's resume window is 0. */
    private final KeptSessions kept;

    private TetherCluster(TetherServer server, ClusterConfig config) {
        this.config = config;
        Duration timeout = clamp(config.tick(), Duration.ofMillis(100), Duration.ofSeconds(2));
        Duration block = clamp(config.tick(), Duration.ofMillis(100), Duration.ofSeconds(1));
        this.link = new RedisLink(config, timeout, block);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tether-cluster");
            t.setDaemon(true);
            return t;
        });
        long windowMs = server.config().sessionResumeWindow().toMillis();
        this.agent = new NodeAgent(link, config, server.config().sessionDuplicatePolicy(), thread, System::nanoTime, windowMs);
        this.kept = config.resume() && windowMs > 0 ? new KeptSessions(link, config, agent, thread, windowMs,
                server.config().sessionReplayBuffer(), server.config().sessionReplayBytes()) : null;
        agent.kept(kept);
        this.router = new Router(link, config.keyPrefix(), server.sessions(), agent::replacedElsewhere, kept);
        this.events = new EventReader(link, config.keyPrefix(), block, config.nodeId(), router::deliver);
        this.queries = new ClusterQueries(link, config.keyPrefix());
    }

    /**
     * Joins the cluster: registers the node, starts its lease, and starts reading the presence
     * stream and the node's inbox. Call before {@code server.start()} so no session is missed.
     *
     * @throws IllegalStateException when the server's sessions are off (the cluster is built on them)
     * @throws ClusterUnavailableException when Redis cannot be reached now
     */
    public static TetherCluster join(TetherServer server, ClusterConfig config) {
        TetherCluster c = new TetherCluster(server, config);
        try {
            if (c.kept != null) {
                // First: a bound user's kept session is in Redis's user index before the node's presence
                // record names the user (same connection, so in that order), so a send finds it.
                server.sessions().addListener(c.kept);
                server.sessions().installStore(c.kept);
            }
            server.sessions().addListener(c.agent);
            c.agent.start();
            c.events.start();
        } catch (RedisException e) {
            c.close();
            throw c.link.unreachable(e);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static Duration clamp(Duration d, Duration min, Duration max) {
        return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
    }

    public ClusterConfig config() {
        return config;
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** Presence events of every node; add right after {@link #join} to miss none. */
    public void addListener(ClusterPresenceListener listener) {
        events.addListener(listener);
    }

    /** True while this node's link to Redis is up. */
    public boolean redisReachable() {
        return link.connected();
    }

    // ------------------------------------------------------------------ routing

    /**
     * Sends to every session of the user on every node. The future completes with the number of
     * nodes the message was published to (0: the user is online nowhere).
     *
     * @throws ClusterUnavailableException at once when Redis cannot be reached
     */
    public CompletableFuture<Long> sendToUser(String userId, byte[] message) {
        return router.send('u', checkName(userId), message);
    }

    public CompletableFuture<Long> sendToUser(String userId, String text) {
        return sendToUser(userId, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends to every member of the group on every node; as {@link #sendToUser}. */
    public CompletableFuture<Long> sendToGroup(String group, byte[] message) {
        return router.send('g', checkName(group), message);
    }

    public CompletableFuture<Long> sendToGroup(String group, String text) {
        return sendToGroup(group, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends to every bound and unbound session of every live node; as {@link #sendToUser}. */
    public CompletableFuture<Long> broadcast(byte[] message) {
        return router.send('a', "", message);
    }

    public CompletableFuture<Long> broadcast(String text) {
        return broadcast(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String checkName(String name) {
        if (name.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("user and group names in a cluster cannot contain a newline");
        }
        return name;
    }

    // ------------------------------------------------------------------ presence

    /** Whether the user has a bound session on any live node. Throws {@link ClusterUnavailableException}. */
    public boolean isOnline(String userId) {
        return !nodesOf(userId).isEmpty();
    }

    /** Live nodes holding the user, with how many sessions each. */
    public Map<String, Long> nodesOf(String userId) {
        return queries.nodesOf(userId);
    }

    /** Bound sessions on all live nodes. */
    public long sessionCount() {
        return queries.totals()[0];
    }

    /** Distinct users with a bound session on any live node. */
    public long userCount() {
        return queries.totals()[1];
    }

    /** Sessions in the group on every live node. */
    public List<ClusterMember> members(String group) {
        return queries.members(group);
    }

    /** The live nodes, their lease and sessions (what {@code tether cluster status} prints). */
    public List<NodeStatus> nodes() {
        return queries.nodes();
    }

    /** Bound sessions this node has registered (or will, once Redis is back). */
    public int localSessions() {
        return agent.localSessions();
    }

    /**
     * Leaves the cluster: what this node still registered goes offline ({@code node left}), its
     * keys are deleted, and the links close. Close the server first so its sessions end with their
     * own reasons.
     */
    @Override
    public void close() {
        agent.leave();
        events.close();
        thread.shutdownNow();
        link.close();
    }

    @Override
    public String toString() {
        return "TetherCluster{" + config + "}";
    }

}
