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
 * The same routing and presence as {@link ClusterTest}, against a 3-master Redis Cluster the test
 * creates: {@code cluster_redis} is the comma list of its seeds; all keys share one hash slot.
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
    void routingAndPresenceAcrossNodesOnARedisCluster() {
        redis = RedisClusterServers.start();
        EventLog logA = new EventLog();
        EventLog logB = new EventLog();
        ClusterNodeMain a = new ClusterNodeMain(redis.seeds(), "A", Duration.ofSeconds(3));
        open.add(a);
        a.cluster.addListener(logA);
        ClusterNodeMain b = new ClusterNodeMain(redis.seeds(), "B", Duration.ofSeconds(3));
        open.add(b);
        b.cluster.addListener(logB);
        assertThat(a.cluster.config().redisCluster()).isTrue();

        LineClient alice = login(a, "alice", "red");
        LineClient bob = login(b, "bob", "red");
        await().until(() -> a.cluster.isOnline("alice") && a.cluster.isOnline("bob"));
        assertThat(b.cluster.nodesOf("alice")).isEqualTo(Map.of("A", 1L));
        assertThat(a.cluster.members("red")).extracting(ClusterMember::userId).containsExactlyInAnyOrder("alice", "bob");

        IntStream.range(0, 100).forEach(i -> b.cluster.sendToUser("alice", "m" + i));
        a.cluster.sendToGroup("red", "g-from-A");
        await().until(() -> alice.with("m").size() == 100 && bob.with("g-").size() == 1 && alice.with("g-").size() == 1);
        assertThat(alice.with("m")).containsExactlyElementsOf(IntStream.range(0, 100).mapToObj(i -> "m" + i).toList());

        bob.close();
        for (EventLog log : List.of(logA, logB)) {
            await().until(() -> log.count("offline") == 1);
            assertThat(log.of("bob")).containsExactly("online B s1 bob", "offline B s1 bob lost");
        }
        assertThat(a.cluster.userCount()).isEqualTo(1);
    }
}
