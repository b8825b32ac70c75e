package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.client.ClientConfig;
import io.tether.client.Protocol;
import io.tether.client.TetherClient;
import io.tether.cluster.fixture.BlipProxy;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.EndReason;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import io.tether.testkit.Requires;
import io.tether.testkit.process.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two live nodes in this JVM on a real redis-server: a resumable session whose client comes back
 * on the other node is handed over (CLOSE 1105 on the old connection, MOVED on the old node,
 * onResumed on the new one), with its user, attributes and every message in both directions
 * exactly once and in order.
 */
@Requires(binaries = "redis-server")
class SessionHandOverTest {
    private RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    /** A node whose application records what it received (seq and text) and binds on {@code login}. */
    final class Node implements AutoCloseable {
        final TetherServer server;
        final TetherCluster cluster;
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        Node(String id) {
            TetherServer[] ref = new TetherServer[1];
            server = TetherServer.builder()
                    .config(ServerConfig.builder().host("127.0.0.1").port(0).workerNum(1).framing(Framing.FRAME).openSessions(true)
                            .sessionResumeWindow(Duration.ofSeconds(10)).build())
                    .handler(new ServerHandler() {
                        @Override
                        public void onReceive(Connection conn, Message m) {
                            Session s = ref[0].sessions().of(conn);
                            if (m.text().startsWith("login ")) {
                                s.bind(m.text().substring(6));
                                s.attributes().put("score", 41L);
                                s.attributes().put("name", "Ada");
                            } else {
                                received.add(m.seq() + ":" + m.text());
                            }
                        }
                    }).build();
            ref[0] = server;
            server.sessions().addListener(new PresenceListener() {
                @Override
                public void onOnline(Session s, Connection c) {
                    events.add("online");
                }

                @Override
                public void onResumed(Session s, Connection c) {
                    events.add("resumed " + s.userId() + " " + s.attributes().get("score") + " " + s.attributes().get("name"));
                }

                @Override
                public void onOffline(Session s, SessionEnd end) {
                    events.add("offline " + end.reason());
                }
            });
            cluster = TetherCluster.join(server, ClusterConfig.builder().redis(redis.uri()).nodeId(id)
                    .leaseTime(Duration.ofSeconds(1)).build());
            server.start();
            open.add(this);
        }

        int port() {
            return server.localAddress().getPort();
        }

        @Override
        public void close() {
            server.close();
            cluster.close();
        }
    }

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

    @Test
    void aClientBackOnAnotherNodeGetsItsSessionThereWithNothingLostOrRepeated() throws Exception {
        Node a = new Node("A");
        Node b = new Node("B");
        BlipProxy relay = new BlipProxy("A", a.port());
        open.add(relay);
        List<String> got = new CopyOnWriteArrayList<>();
        TetherClient client = TetherClient.builder().config(ClientConfig.builder()
                        .endpoint(relay.endpoint()).endpoint("127.0.0.1:" + b.port())
                        .protocol(Protocol.FRAME).resume(true)
                        .heartbeatInterval(Duration.ofMillis(300)).pingTimeout(Duration.ofMillis(600)).build())
                .handler((c, m) -> got.add(new String(m, java.nio.charset.StandardCharsets.UTF_8))).build();
        open.add(client);
        client.start();
        client.send("login ada").get(5, TimeUnit.SECONDS);
        await().until(() -> a.cluster.isOnline("ada"));

        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            sent.add(client.send("c" + i));
            b.cluster.sendToUser("ada", "s" + i).get(5, TimeUnit.SECONDS); // from the other node, through Redis
        }
        await().until(() -> got.size() == 50 && a.received.size() == 50);
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        relay.refuse(true);
        relay.cut(); // a blip: the client moves on to B, which takes the session from A
        for (int i = 51; i <= 100; i++) {
            sent.add(client.send("c" + i));
            b.cluster.sendToUser("ada", "s" + i).get(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> got.size() >= 100 && a.received.size() + b.received.size() >= 100);
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        List<String> expectedOut = new ArrayList<>();
        List<String> expectedIn = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            expectedOut.add("s" + i);
            expectedIn.add((i + 1) + ":c" + i); // seq 1 was the login
        }
        assertThat(got).containsExactlyElementsOf(expectedOut);
        List<String> in = new ArrayList<>(a.received);
        in.addAll(b.received);
        assertThat(in).containsExactlyElementsOf(expectedIn);
        assertThat(b.received).isNotEmpty();
        assertThat(a.events).containsExactly("online", "offline " + EndReason.MOVED);
        assertThat(b.events).containsExactly("resumed ada 41 Ada");
        await().until(() -> b.cluster.nodesOf("ada").keySet().equals(java.util.Set.of("B")));
    }
}
