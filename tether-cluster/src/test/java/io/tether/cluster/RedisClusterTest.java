package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.cluster.fixture.LineClient;
import io.tether.cluster.fixture.RedisClusterServers;
import io.tether.testkit.Requires;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The same routing and presence as {@link ClusterTest}, three Tether nodes against a 3-master Redis
 * Cluster the test creates: {@code cluster_redis} is the comma list of its seeds; all keys share one
 * hash slot (one master carries them: the scripts need them together).
 */
@Requires(binaries = {"redis-server", "redis-cli"})
class RedisClusterTest {
    private RedisClusterServers redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private LineClient login(ClusterNodeMain n, String user, String group) {
        LineClient c = new LineClient(user, n.port());
        open.add(c);
        c.send("login " + user);
        c.send("join " + group);
        await().until(() -> c.with("joined").size() == 1);
        return c;
    }

    @Test
    void routingAndPresenceAcrossThreeNodesOnARedisCluster() {
        redis = RedisClusterServers.start();
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        EventLog logC = new EventLog();
        ClusterNodeMain a = node("A", logA);
        ClusterNodeMain b = node("B", logB);
        ClusterNodeMain c = node("C", logC);
        assertThat(a.cluster.config().redisCluster()).isTrue();

        LineClient alice = login(a, "alice", "red");
        LineClient bob = login(b, "bob", "red");
        LineClient carol = login(c, "carol", "red");
        await().until(() -> a.cluster.isOnline("alice") && a.cluster.isOnline("bob") && a.cluster.isOnline("carol"));
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
        assertThat(a.cluster.nodesOf("carol")).isEqualTo(Map.of("C", 1L));
        assertThat(c.cluster.members("red")).extracting(ClusterMember::userId).containsExactlyInAnyOrder("alice", "bob", "carol");

        // From every node to a user on another, in order.
        IntStream.range(0, 100).forEach(i -> b.cluster.sendToUser("alice", "m" + i));
        IntStream.range(0, 100).forEach(i -> c.cluster.sendToUser("bob", "m" + i));
        IntStream.range(0, 100).forEach(i -> a.cluster.sendToUser("carol", "m" + i));
        a.cluster.sendToGroup("red", "g-from-A");
        await().until(() -> alice.with("m").size() == 100 && bob.with("m").size() == 100 && carol.with("m").size() == 100
                && alice.with("g-").size() == 1 && bob.with("g-").size() == 1 && carol.with("g-").size() == 1);
        List<String> inOrder = IntStream.range(0, 100).mapToObj(i -> "m" + i).toList();
        for (LineClient user : List.of(alice, bob, carol)) {
            assertThat(user.with("m")).containsExactlyElementsOf(inOrder);
        }

        bob.close();
        for (EventLog log : List.of(logA, logB, logC)) {
            await().until(() -> log.count("offline") == 1);
            assertThat(log.of("bob")).containsExactly("online B s1 bob", "offline B s1 bob lost");
        }
        assertThat(a.cluster.userCount()).isEqualTo(2);
    }

    private ClusterNodeMain node(String id, EventLog log) {
        ClusterNodeMain n = new ClusterNodeMain(redis.seeds(), id, Duration.ofSeconds(3));
        open.add(n);
        n.cluster.addListener(log);
        return n;
    }
}
