package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.cluster.fixture.LineClient;
import io.tether.server.ServerConfig;
import io.tether.testkit.Requires;
import io.tether.testkit.process.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes in this JVM on a real redis-server: cluster-wide presence and its events, routing in
 * order, a clean leave, and a Redis outage shorter than the lease. (Deaths of a node for real are
 * in {@link NodeDeathIT}, with nodes in their own JVMs.)
 */
@Requires(binaries = "redis-server")
class ClusterTest {
    private static final Duration LEASE = Duration.ofMillis(3000);
    private RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start(0);
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        redis.close();
    }

    private ClusterNodeMain node(String id, EventLog log) {
        return node(id, log, ServerConfig.DuplicatePolicy.REPLACE);
    }

    private ClusterNodeMain node(String id, EventLog log, ServerConfig.DuplicatePolicy policy) {
        ClusterNodeMain n = new ClusterNodeMain(redis.uri(), id, LEASE, policy);
        n.cluster.addListener(log);
        open.add(n);
        return n;
    }

    private LineClient login(ClusterNodeMain n, String user, String... groups) {
        LineClient c = new LineClient(user, n.port());
        open.add(c);
        c.send("login " + user);
        for (String g : groups) {
            c.send("join " + g);
        }
        await().until(() -> c.with("joined").size() == groups.length && c.with("ok").size() == 1);
        return c;
    }

    @Test
    void presenceAndRoutingReachEveryNodeInOrder() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        LineClient alice = login(a, "alice", "red");
        LineClient bob = login(b, "bob", "red", "blue");

        await().until(() -> a.cluster.isOnline("alice") && a.cluster.isOnline("bob"));
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
        assertThat(a.cluster.nodesOf("bob")).isEqualTo(Map.of("B", 1L));
        assertThat(a.cluster.isOnline("carol")).isFalse();
        assertThat(a.cluster.userCount()).isEqualTo(2);
        assertThat(b.cluster.sessionCount()).isEqualTo(2);
        assertThat(a.cluster.members("red")).extracting(ClusterMember::userId).containsExactlyInAnyOrder("alice", "bob");
        assertThat(a.cluster.members("blue")).extracting(ClusterMember::node).containsExactly("B");
        assertThat(a.cluster.nodes()).extracting(NodeStatus::node).containsExactlyInAnyOrder("A", "B");
        assertThat(a.cluster.nodes()).allSatisfy(s -> assertThat(s.leaseLeftMillis()).isPositive());
        for (EventLog log : List.of(logA, logB)) {
            await().until(() -> log.count("online") == 2);
            assertThat(log.events).contains("online A s1 alice", "online B s1 bob");
        }
        // every key has a TTL from the moment it exists, the stream its first event made included
        for (String key : List.of("nodes", "events", "s:A", "u:A", "g:A", "s:B", "u:B", "g:B")) {
            assertThat(redis.command("PTTL {tether}:" + key)).as(key).matches(":\\d+");
        }

        // 200 messages from A to bob on B, then group and broadcast, interleaved from both nodes.
        IntStream.range(0, 200).forEach(i -> a.cluster.sendToUser("bob", "m" + i));
        a.cluster.sendToGroup("red", "g-from-A");
        b.cluster.sendToGroup("red", "g-from-B");
        b.cluster.broadcast("all-from-B");
        List<String> expected = IntStream.range(0, 200).mapToObj(i -> "m" + i).toList();
        await().until(() -> bob.with("m").size() == 200 && bob.with("all").size() == 1);
        assertThat(bob.with("m")).containsExactlyElementsOf(expected);
        await().until(() -> alice.with("g-").size() == 2 && alice.with("all").size() == 1);
        assertThat(alice.with("g-")).containsExactlyInAnyOrder("g-from-A", "g-from-B");
        assertThat(bob.with("g-")).containsExactlyInAnyOrder("g-from-A", "g-from-B");
        assertThat(alice.with("m")).isEmpty();

        // alice leaves: one offline, seen on both nodes; presence follows.
        alice.close();
        for (EventLog log : List.of(logA, logB)) {
            await().until(() -> log.count("offline") == 1);
            assertThat(log.of("alice")).containsExactly("online A s1 alice", "offline A s1 alice lost");
        }
        await().until(() -> !b.cluster.isOnline("alice"));
        assertThat(b.cluster.members("red")).extracting(ClusterMember::userId).containsExactly("bob");

        // B leaves the cluster cleanly: bob's offline is 'shutdown' (the server ended the session first).
        open.remove(b);
        b.close();
        await().until(() -> logA.count("offline") == 2);
        assertThat(logA.of("bob")).containsExactly("online B s1 bob", "offline B s1 bob shutdown");
        assertThat(a.cluster.nodes()).extracting(NodeStatus::node).containsExactly("A");
        assertThat(redis.command("EXISTS {tether}:s:B")).isEqualTo(":0");
    }

    /**
     * Routed messages wait in the target node's inbox stream: cut B's reading connection (Redis
     * closes it) and send meanwhile; B reconnects, reads on from its last message, and each arrives
     * once, in order.
     */
    @Test
    void messagesSentWhileTheTargetNodesReaderIsCutArriveOnceInOrder() {
        ClusterNodeMain a = node("A", new EventLog());
        ClusterNodeMain b = node("B", new EventLog());
        LineClient bob = login(b, "bob");
        await().until(() -> a.cluster.isOnline("bob"));
        a.cluster.sendToUser("bob", "before");
        await().until(() -> bob.with("before").size() == 1);

        io.lettuce.core.RedisClient rc = io.lettuce.core.RedisClient.create(redis.uri());
        try (var admin = rc.connect()) {
            String reader = java.util.Arrays.stream(admin.sync().clientList().split("\n"))
                    .filter(l -> l.contains(" name=tether:B:reader ")).findFirst().orElseThrow();
            long id = Long.parseLong(reader.replaceAll("^id=(\\d+) .*", "$1").trim());
            admin.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(id));
            IntStream.range(0, 100).forEach(i -> a.cluster.sendToUser("bob", "cut" + i));
            await().until(() -> java.util.Arrays.stream(admin.sync().clientList().split("\n"))
                    .anyMatch(l -> l.contains(" name=tether:B:reader ") && !l.startsWith("id=" + id + " ")));
        } finally {
            rc.shutdown();
        }
        await().until(() -> bob.with("cut").size() >= 100);
        assertThat(bob.with("cut")).containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "cut" + i).toList());
        assertThat(bob.with("before")).hasSize(1);
    }

    @Test
    void redisOutageShorterThanTheLeaseCausesNoOfflineAndNodesReRegister() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        LineClient alice = login(a, "alice");
        LineClient bob = login(b, "bob");
        await().until(() -> a.cluster.isOnline("alice") && a.cluster.isOnline("bob"));

        redis.stopProcess(); // an empty Redis comes back: no persistence
        long down = System.nanoTime();
        await().until(() -> !a.cluster.redisReachable());
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> a.cluster.sendToUser("bob", "x")).isInstanceOf(ClusterUnavailableException.class)
                .hasMessageContaining("Redis unreachable at " + redis.uri());
        assertThatThrownBy(() -> b.cluster.isOnline("alice")).isInstanceOf(ClusterUnavailableException.class);
        // fail fast: no queueing, no timeout wait (bound 500 ms for both calls on a loaded machine)
        Duration failed = Duration.ofNanos(System.nanoTime() - t0);
        System.out.printf("two cluster calls with Redis down failed in %.2f ms%n", failed.toNanos() / 1e6);
        assertThat(failed).isLessThan(Duration.ofMillis(500));
        // local sessions keep working
        assertThat(a.server.sessions().sendToUser("alice", "local")).isEqualTo(1);
        await().until(() -> alice.with("local").size() == 1);

        redis.startProcess();
        assertThat(Duration.ofNanos(System.nanoTime() - down)).isLessThan(LEASE);
        // Both nodes re-register what they hold
        await().atMost(Duration.ofSeconds(10)).until(() -> a.cluster.redisReachable() && b.cluster.redisReachable()
                && a.cluster.isOnline("alice") && a.cluster.isOnline("bob"));
        assertThat(a.cluster.nodes()).extracting(NodeStatus::node).containsExactlyInAnyOrder("A", "B");
        a.cluster.sendToUser("bob", "after");
        await().until(() -> bob.with("after").size() == 1);
        // a lease and a tick later still no offline anywhere
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(3)).until(() -> true);
        assertThat(logA.count("offline")).isZero();
        assertThat(logB.count("offline")).isZero();
        assertThat(a.cluster.userCount()).isEqualTo(2);
    }

    /**
     * Redis hangs (SIGSTOP: connections and data kept, nothing answered) for longer than the lease:
     * when it goes on, every lease in it has run out; the nodes' commands that waited in it and their
     * next ticks renew their leases, and no node claims another (a claim needs the claimer's own
     * lease live, and a node claims only after holding its lease a whole lease time again), so
     * nobody goes offline.
     */
    @Test
    void redisHungLongerThanTheLeaseCausesNoOfflineStorm() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        login(a, "alice");
        login(b, "bob");
        await().until(() -> logA.count("online") == 2 && logB.count("online") == 2);
        // past the first lease after registering, so claims are allowed before the hang
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(2)).until(() -> true);

        redis.pause();
        try {
            // the hang lasts a lease and two ticks (the premise of this test)
            await().pollDelay(LEASE.plus(LEASE.dividedBy(3).multipliedBy(2))).atMost(LEASE.multipliedBy(3)).until(() -> true);
        } finally {
            redis.resume();
        }
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> a.cluster.nodes().stream().allMatch(n -> n.leaseLeftMillis() > 0) && a.cluster.nodes().size() == 2);
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(3)).until(() -> true);
        assertThat(logA.count("offline")).isZero();
        assertThat(logB.count("offline")).isZero();
        assertThat(a.cluster.nodesOf("bob")).isEqualTo(Map.of("B", 1L));
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
    }

    /** session_duplicate_policy replace across nodes: a bind on B ends the user's older session on A. */
    @Test
    void replaceOnOneNodeEndsTheUsersSessionOnAnother() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        LineClient first = login(a, "alice");
        await().until(() -> b.cluster.isOnline("alice"));
        LineClient second = login(b, "alice");
        await().until(first::closedByServer);
        for (EventLog log : List.of(logA, logB)) {
            await().until(() -> log.count("offline") == 1);
            assertThat(log.of("alice")).containsExactly("online A s1 alice", "online B s1 alice", "offline A s1 alice replaced");
        }
        assertThat(a.cluster.nodesOf("alice")).isEqualTo(Map.of("B", 1L));
        assertThat(second.closedByServer()).isFalse();
        assertThat(a.server.sessions().ofUser("alice")).isNull();
    }

    /** session_duplicate_policy refuse across nodes: a bind on B while A holds the user ends B's session, unannounced. */
    @Test
    void refuseOnOneNodeWhileAnotherHoldsTheUserEndsTheNewSession() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA, ServerConfig.DuplicatePolicy.REFUSE);
        ClusterNodeMain b = node("B", logB, ServerConfig.DuplicatePolicy.REFUSE);
        LineClient first = login(a, "alice");
        await().until(() -> b.cluster.isOnline("alice"));
        LineClient second = login(b, "alice");
        await().until(second::closedByServer);
        await().until(() -> b.server.sessions().count() == 0);
        assertThat(first.closedByServer()).isFalse();
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
        // a lease and a tick later: nothing was announced for the refused session
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(3)).until(() -> true);
        assertThat(logA.events).containsExactly("online A s1 alice");
        assertThat(logB.events).containsExactly("online A s1 alice");
    }

    /**
     * Redis down (and restarted empty) for longer than the lease: nobody is declared dead (no node
     * could refresh, so none may claim), each node registers again what it holds (its sessions are
     * announced online again: the stream that had them is gone), and a session that ended during
     * the outage gets its one offline, with its own reason, when Redis is back.
     */
    @Test
    void redisOutageLongerThanTheLeaseReRegistersAndOwesEachEndedSessionOneOffline() {
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        login(a, "alice");
        LineClient bob = login(b, "bob");
        await().until(() -> logA.count("online") == 2 && logB.count("online") == 2);

        redis.stopProcess();
        bob.close();
        await().until(() -> b.server.sessions().count() == 0);
        // the outage lasts longer than a lease and a tick (the premise of this test)
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(2)).until(() -> true);
        redis.startProcess();

        for (EventLog log : List.of(logA, logB)) {
            await().atMost(Duration.ofSeconds(15)).until(() -> log.count("offline") == 1 && log.count("online") == 3);
            assertThat(log.of("bob")).containsExactly("online B s1 bob", "offline B s1 bob lost");
            assertThat(log.of("alice")).containsExactly("online A s1 alice", "online A s1 alice");
        }
        assertThat(a.cluster.nodes()).extracting(NodeStatus::node).containsExactlyInAnyOrder("A", "B");
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
        assertThat(b.cluster.isOnline("bob")).isFalse();
        await().pollDelay(LEASE.plus(LEASE.dividedBy(3))).atMost(LEASE.multipliedBy(3)).until(() -> true);
        assertThat(logA.events).hasSize(4);
        assertThat(logB.events).hasSize(4);
    }
}
