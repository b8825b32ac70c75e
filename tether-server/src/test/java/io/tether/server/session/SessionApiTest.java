package io.tether.server.session;

import io.tether.server.ServerConfig.DuplicatePolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Binding, groups, fan-out, queries and the duplicate policies. */
class SessionApiTest {
    private final PresenceLog presence = new PresenceLog();
    private TetherServer server;

    private TetherServer start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).openSessions(true).build()).handler(new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message m) {
                if (m.text().startsWith("login ")) {
                    Session s = server.sessions().of(conn);
                    conn.send(s.bind(m.text().substring(6)) ? "ok" : "refused");
                }
            }
        }).build();
        server.sessions().addListener(presence);
        return server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private FrameSocket login(String user) throws Exception {
        FrameSocket c = FrameSocket.hello(server.localAddress(), null, 0);
        c.send(Frame.SeqData.of(1, "login " + user));
        return c;
    }

    @Test
    void bindGroupsFanOutAndQueries() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket a = login("alice"); FrameSocket b = login("bob"); FrameSocket c = login("carol")) {
            assertThat(a.next(Frame.SeqData.class).text()).isEqualTo("ok");
            assertThat(b.next(Frame.SeqData.class).text()).isEqualTo("ok");
            assertThat(c.next(Frame.SeqData.class).text()).isEqualTo("ok");
            Sessions sessions = server.sessions();
            assertThat(sessions.count()).isEqualTo(3);
            assertThat(sessions.userCount()).isEqualTo(3);
            Session alice = sessions.ofUser("alice");
            Session bob = sessions.ofUser("bob");
            assertThat(alice.userId()).isEqualTo("alice");
            assertThat(alice.join("red")).isTrue();
            assertThat(alice.join("red")).isFalse();
            assertThat(bob.join("red")).isTrue();
            assertThat(sessions.members("red")).containsExactlyInAnyOrder(alice, bob);
            assertThat(alice.groups()).containsExactly("red");

            assertThat(sessions.sendToGroup("red", "to red")).isEqualTo(2);
            assertThat(sessions.sendToUser("carol", "to carol")).isEqualTo(1);
            assertThat(sessions.sendToUser("nobody", "x")).isZero();
            assertThat(sessions.broadcast("to all")).isEqualTo(3);
            assertThat(a.next(Frame.SeqData.class).text()).isEqualTo("to red");
            assertThat(a.next(Frame.SeqData.class).text()).isEqualTo("to all");
            assertThat(b.next(Frame.SeqData.class).text()).isEqualTo("to red");
            assertThat(c.next(Frame.SeqData.class).text()).isEqualTo("to carol");
            assertThat(c.next(Frame.SeqData.class).text()).isEqualTo("to all");

            assertThat(bob.leave("red")).isTrue();
            assertThat(sessions.members("red")).containsExactly(alice);
            assertThatThrownBy(() -> alice.bind("mallory")).isInstanceOf(IllegalStateException.class);

            alice.close();
            await().until(() -> presence.has("offline " + alice.id() + " closed by server"));
            assertThat(a.next(Frame.Close.class).code()).isEqualTo(1006);
            assertThat(sessions.members("red")).isEmpty();
            assertThat(sessions.ofUser("alice")).isNull();
            assertThat(sessions.count()).isEqualTo(2);
        }
    }

    /** The events a layer above sessions (tether-cluster) learns who is where from: bound, joined, left, in order with online and offline. */
    @Test
    void bindJoinAndLeaveAreEventsInOrderBetweenOnlineAndOffline() throws Exception {
        java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        start(ServerConfig.builder());
        server.sessions().addListener(new PresenceListener() {
            @Override
            public void onOnline(Session s, Connection c) {
                seen.add("online");
            }

            @Override
            public void onBound(Session s, String user) {
                seen.add("bound " + user + " " + s.userId());
            }

            @Override
            public void onJoined(Session s, String group) {
                seen.add("joined " + group);
            }

            @Override
            public void onLeft(Session s, String group) {
                seen.add("left " + group);
            }

            @Override
            public void onOffline(Session s, SessionEnd end) {
                seen.add("offline " + end.reason().text());
            }
        });
        try (FrameSocket a = login("gus")) {
            assertThat(a.next(Frame.SeqData.class).text()).isEqualTo("ok");
            Session gus = server.sessions().ofUser("gus");
            assertThat(gus.bind("gus")).isTrue();            // the same user again: no second event
            assertThat(gus.join("red")).isTrue();
            assertThat(gus.join("red")).isFalse();           // already a member: no event
            assertThat(gus.leave("red")).isTrue();
            assertThat(gus.leave("blue")).isFalse();
            // a rule enforced outside this server (a cluster's duplicate policy) ends it with its reason
            assertThat(gus.close(EndReason.REPLACED, "user gus bound on another node")).isTrue();
            assertThat(gus.close(EndReason.REPLACED, "again")).isFalse();
            assertThat(a.next(Frame.Close.class).code()).isEqualTo(EndReason.REPLACED.wireCode());
            await().until(() -> seen.contains("offline replaced"));
            assertThat(seen).containsExactly("online", "bound gus gus", "joined red", "left red", "offline replaced");
            assertThat(gus.end().detail()).isEqualTo("user gus bound on another node");
        }
    }

    @Test
    void replacePolicyEndsTheOlderSession() throws Exception {
        start(ServerConfig.builder().sessionDuplicatePolicy(DuplicatePolicy.REPLACE));
        try (FrameSocket first = login("dan")) {
            assertThat(first.next(Frame.SeqData.class).text()).isEqualTo("ok");
            Session old = server.sessions().ofUser("dan");
            try (FrameSocket second = login("dan")) {
                assertThat(second.next(Frame.SeqData.class).text()).isEqualTo("ok");
                assertThat(first.next(Frame.Close.class).code()).isEqualTo(EndReason.REPLACED.wireCode());
                await().until(() -> presence.has("offline " + old.id() + " replaced"));
                assertThat(server.sessions().allOfUser("dan")).hasSize(1).doesNotContain(old);
            }
        }
    }

    @Test
    void refusePolicyEndsTheNewSession() throws Exception {
        start(ServerConfig.builder().sessionDuplicatePolicy(DuplicatePolicy.REFUSE));
        try (FrameSocket first = login("erin"); FrameSocket second = login("erin")) {
            assertThat(first.next(Frame.SeqData.class).text()).isEqualTo("ok");
            assertThat(second.next(Frame.Close.class).code()).isEqualTo(EndReason.REFUSED.wireCode());
            await().until(() -> presence.count("offline") == 1 && presence.events.stream().anyMatch(e -> e.endsWith(" refused")));
            assertThat(server.sessions().allOfUser("erin")).hasSize(1);
            assertThat(server.sessions().ofUser("erin").state()).isEqualTo(Session.State.ATTACHED);
        }
    }

    @Test
    void allowPolicyKeepsBoth() throws Exception {
        start(ServerConfig.builder().sessionDuplicatePolicy(DuplicatePolicy.ALLOW));
        try (FrameSocket first = login("finn"); FrameSocket second = login("finn")) {
            assertThat(first.next(Frame.SeqData.class).text()).isEqualTo("ok");
            assertThat(second.next(Frame.SeqData.class).text()).isEqualTo("ok");
            assertThat(server.sessions().allOfUser("finn")).hasSize(2);
            assertThat(server.sessions().userCount()).isEqualTo(1);
            assertThat(server.sessions().sendToUser("finn", "both")).isEqualTo(2);
        }
    }

    @Test
    void lineClientGetsASessionThatEndsWithItsConnection() throws Exception {
        start(ServerConfig.builder());
        try (Socket s = new Socket("127.0.0.1", server.localAddress().getPort())) {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("login gus\n".getBytes(StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("ok");
            Session gus = server.sessions().ofUser("gus");
            assertThat(gus.resumable()).isFalse();
            assertThat(server.sessions().sendToUser("gus", "hi gus")).isEqualTo(1);
            assertThat(in.readLine()).isEqualTo("hi gus");
            s.setSoLinger(true, 0);
            s.close();
            await().until(() -> presence.has("offline " + gus.id() + " lost"));
            assertThat(presence.count("detached")).isZero();
            assertThat(server.sessions().count()).isZero();
        }
    }

    @Test
    void withAHandlerExecutorPresenceEventsRunThereInOrder() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            server = TetherServer.builder().config(ServerConfig.builder().port(0).openSessions(true).build()).handlerExecutor(pool).build();
            server.sessions().addListener(presence);
            server.sessions().addListener(new PresenceListener() {
                @Override
                public void onOnline(Session s, Connection c) {
                    threads.add(Thread.currentThread().getName());
                }
            });
            server.start();
            for (int i = 0; i < 20; i++) {
                FrameSocket c = FrameSocket.hello(server.localAddress(), null, 0);
                c.send(new Frame.Close(1007, "bye"));
                c.close();
            }
            await().until(() -> presence.count("offline") == 20);
            // For each session: online, then offline, never the other way round.
            for (String e : presence.events) {
                if (e.startsWith("offline")) {
                    String id = e.split(" ")[1];
                    assertThat(presence.events.indexOf("online " + id)).isLessThan(presence.events.indexOf(e));
                }
            }
            assertThat(threads).allMatch(t -> !t.startsWith("tether-io"));
        } finally {
            server.close();
            pool.shutdownNow();
        }
    }
}
