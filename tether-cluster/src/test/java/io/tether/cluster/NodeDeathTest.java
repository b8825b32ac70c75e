package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.cluster.fixture.LineClient;
import io.tether.cluster.fixture.NodeProcess;
import io.tether.testkit.Requires;
import io.tether.testkit.process.RedisServer;
import io.tether.testkit.process.TempDirs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three nodes, each in its own JVM, on a real redis-server; line clients spread over them. Nodes
 * die for real: SIGKILL, or SIGSTOP for longer than the lease and then SIGCONT.
 *
 * <p>The bound for a dead node's offline events: its last lease refresh set a deadline of refresh
 * + lease; it died at most a tick (lease/3) after that refresh, and a survivor claims on its first
 * tick after the deadline, so offline is announced within lease + tick of the death. The tests
 * allow {@link #TOLERANCE} on top for a loaded 2-core machine (process scheduling, the stream
 * read, stdout), and print what they measured.
 */
@Requires(binaries = {"redis-server", "kill"})
class NodeDeathTest {
    private static final Duration LEASE = Duration.ofMillis(3000);
    private static final Duration TICK = LEASE.dividedBy(3);
    private static final Duration TOLERANCE = Duration.ofMillis(2000);
    private static final int CLIENTS_PER_NODE = Integer.getInteger("tether.cluster.clientsPerNode", 20);

    private RedisServer redis;
    private Path logs;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    private final Map<String, List<LineClient>> clients = new LinkedHashMap<>();
    private ClusterStatus status;

    @BeforeEach
    void startCluster() {
        redis = RedisServer.start(0);
        logs = TempDirs.create("tether-cluster-nodes-");
        for (String id : List.of("A", "B", "C")) {
            nodes.put(id, new NodeProcess(id, redis.uri(), LEASE, logs));
        }
        nodes.values().forEach(NodeProcess::awaitReady); // a node sees the events after it joined
        for (NodeProcess n : nodes.values()) {
            List<LineClient> list = new ArrayList<>();
            for (int i = 0; i < CLIENTS_PER_NODE; i++) {
                LineClient c = new LineClient(n.id + "u" + i, n.port());
                c.send("login " + c.user);
                c.send("join everyone");
                list.add(c);
            }
            clients.put(n.id, list);
        }
        status = ClusterStatus.connect(ClusterConfig.builder().redis(redis.uri()).build());
        int all = 3 * CLIENTS_PER_NODE;
        await().atMost(Duration.ofSeconds(60)).until(() -> status.sessionCount() == all);
        for (NodeProcess n : nodes.values()) {
            await("node " + n.id + " sees every online").atMost(Duration.ofSeconds(30))
                    .until(() -> n.events("EV online").size() == all);
        }
    }

    @AfterEach
    void stopCluster() {
        clients.values().forEach(l -> l.forEach(LineClient::close));
        if (status != null) {
            status.close();
        }
        nodes.values().forEach(NodeProcess::close);
        if (redis != null) {
            redis.close();
        }
        System.out.println("node stderr logs kept in " + logs);
    }

    private List<LineClient> all() {
        return clients.values().stream().flatMap(List::stream).toList();
    }

    @Test
    void sendToUserAndGroupFromAnyNodeReachEveryNodeInOrder() {
        int perUser = 10;
        int perGroup = 30;
        for (NodeProcess from : nodes.values()) {
            for (int i = 0; i < perGroup; i++) {
                from.command("group everyone G" + from.id + "-" + i);
            }
            for (LineClient c : all()) {
                for (int i = 0; i < perUser; i++) {
                    from.command("user " + c.user + " U" + from.id + "-" + i);
                }
            }
        }
        for (LineClient c : all()) {
            await("messages to " + c.user).atMost(Duration.ofSeconds(60))
                    .until(() -> c.with("U").size() == 3 * perUser && c.with("G").size() == 3 * perGroup);
            for (String from : nodes.keySet()) {
                assertThat(c.with("U" + from + "-")).as("to " + c.user + " from " + from)
                        .containsExactlyElementsOf(IntStream.range(0, perUser).mapToObj(i -> "U" + from + "-" + i).toList());
                assertThat(c.with("G" + from + "-")).as("group to " + c.user + " from " + from)
                        .containsExactlyElementsOf(IntStream.range(0, perGroup).mapToObj(i -> "G" + from + "-" + i).toList());
            }
        }
        nodes.values().forEach(n -> assertThat(n.events("ERR")).isEmpty());
    }

    @Test
    void sigkillGivesEachOfTheNodesUsersExactlyOneOfflineOnBothSurvivors() {
        NodeProcess c = nodes.get("C");
        List<NodeProcess> survivors = List.of(nodes.get("A"), nodes.get("B"));
        long killedAt = System.nanoTime();
        c.kill();
        long[] seenAt = new long[1];
        await().atMost(LEASE.plus(TICK).plus(TOLERANCE).plus(Duration.ofSeconds(20))).pollInterval(Duration.ofMillis(20))
                .until(() -> survivors.stream().allMatch(n -> n.events("EV offline C ").size() >= CLIENTS_PER_NODE));
        seenAt[0] = System.nanoTime();
        Duration took = Duration.ofNanos(seenAt[0] - killedAt);
        System.out.printf("SIGKILL -> every offline seen on both survivors: %d ms (lease %d ms, tick %d ms, bound %d ms + %d ms tolerance)%n",
                took.toMillis(), LEASE.toMillis(), TICK.toMillis(), LEASE.plus(TICK).toMillis(), TOLERANCE.toMillis());
        assertThat(took).isLessThanOrEqualTo(LEASE.plus(TICK).plus(TOLERANCE));

        // Let more than another lease and tick pass: nothing further may arrive.
        await().pollDelay(LEASE.plus(TICK)).atMost(LEASE.multipliedBy(3)).until(() -> true);
        for (NodeProcess n : survivors) {
            List<String> offline = n.events("EV offline");
            assertThat(offline).as("offline events on " + n.id).hasSize(CLIENTS_PER_NODE)
                    .allMatch(l -> l.startsWith("EV offline C ") && l.contains(" node_lost "));
            assertThat(offline.stream().map(l -> l.split(" ")[4]).distinct())
                    .containsExactlyInAnyOrderElementsOf(clients.get("C").stream().map(x -> x.user).toList());
            // one claimer for all of them
            assertThat(offline.stream().map(l -> l.split(" ")[6]).distinct()).hasSize(1);
        }
        assertThat(status.nodes()).extracting(NodeStatus::node).containsExactlyInAnyOrder("A", "B");
        assertThat(status.sessionCount()).isEqualTo(2L * CLIENTS_PER_NODE);
        assertThat(status.nodesOf("Cu0")).isEmpty();
        assertThat(redis.command("EXISTS {tether}:s:C")).isEqualTo(":0");
        assertThat(redis.command("PTTL {tether}:dead:C")).startsWith(":").isNotEqualTo(":-1");
    }

    @Test
    void sigstopLongerThanTheLeaseThenSigcontGivesOfflineOnceAndNoResurrection() {
        NodeProcess c = nodes.get("C");
        List<NodeProcess> survivors = List.of(nodes.get("A"), nodes.get("B"));
        c.pause();
        long pausedAt = System.nanoTime();
        await().atMost(LEASE.plus(TICK).plus(TOLERANCE).plus(Duration.ofSeconds(20))).pollInterval(Duration.ofMillis(20))
                .until(() -> survivors.stream().allMatch(n -> n.events("EV offline C ").size() >= CLIENTS_PER_NODE));
        System.out.printf("SIGSTOP -> every offline seen on both survivors: %d ms%n",
                Duration.ofNanos(System.nanoTime() - pausedAt).toMillis());
        c.resume();

        // C learns it was declared dead and closes its clients; none of them comes back to life.
        await().atMost(Duration.ofSeconds(20)).until(() -> clients.get("C").stream().allMatch(LineClient::closedByServer));
        await().atMost(Duration.ofSeconds(20)).until(() -> status.nodes().stream().anyMatch(s -> s.node().equals("C")));
        await().pollDelay(LEASE.plus(TICK)).atMost(LEASE.multipliedBy(3)).until(() -> true);
        for (NodeProcess n : nodes.values()) {
            List<String> offline = n.events("EV offline");
            assertThat(offline).as("offline events seen on " + n.id).hasSize(CLIENTS_PER_NODE)
                    .allMatch(l -> l.startsWith("EV offline C ") && l.contains(" node_lost "));
            assertThat(n.events("EV online")).as("no resurrection on " + n.id).hasSize(3 * CLIENTS_PER_NODE);
        }
        assertThat(status.sessionCount()).isEqualTo(2L * CLIENTS_PER_NODE);
        assertThat(status.nodesOf("Cu0")).isEmpty();
        assertThat(status.nodesOf("Au0")).containsOnlyKeys("A");
        assertThat(c.alive()).isTrue();
        // The node serves on: a new client on C is registered and reachable from A.
        LineClient late = new LineClient("late", c.port());
        clients.get("C").add(late);
        late.send("login late");
        await().atMost(Duration.ofSeconds(10)).until(() -> status.nodesOf("late").containsKey("C"));
        nodes.get("A").command("user late hello");
        await().atMost(Duration.ofSeconds(10)).until(() -> late.with("hello").size() == 1);
    }
}
