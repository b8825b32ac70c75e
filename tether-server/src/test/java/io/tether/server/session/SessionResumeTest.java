package io.tether.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.time.Duration;
import io.tether.core.close.CloseInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resume, step by step on real sockets: tokens, replay, dedup, refusals, expiry, overflow. */
class SessionResumeTest {
    private final PresenceLog presence = new PresenceLog();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private TetherServer server;

    private TetherServer start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).openSessions(true).build()).handler(new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message m) {
                received.add(m.text());
                if (m.text().startsWith("login ")) {
                    server.sessions().of(conn).bind(m.text().substring(6));
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

    private FrameSocket connect(byte[] token, long receivedSeq) throws Exception {
        return FrameSocket.hello(server.localAddress(), token, receivedSeq);
    }

    private Session onlySession() {
        await().atMost(Duration.ofSeconds(5)).until(() -> server.sessions().count() == 1);
        return server.sessions().all().iterator().next();
    }

    @Test
    void newSequencedSessionGetsA128BitTokenAndGoesOnline() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket c = connect(null, 0)) {
            assertThat(c.welcome.resumeToken()).hasSize(16);
            assertThat(c.welcome.resumed()).isFalse();
            assertThat(c.welcome.receivedSeq()).isZero();
            Session s = onlySession();
            await().until(() -> presence.has("online " + s.id()));
            assertThat(s.resumable()).isTrue();
            assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
        }
    }

    @Test
    void resumeAfterResetKeepsSessionAndReplaysExactlyOnceInOrder() throws Exception {
        start(ServerConfig.builder().sessionResumeWindow(Duration.ofSeconds(10)));
        FrameSocket c = connect(null, 0);
        byte[] token = c.welcome.resumeToken();
        c.send(Frame.SeqData.of(1, "login alice"));
        c.send(Frame.SeqData.of(2, "hello"));
        assertThat(c.next(Frame.Ack.class).seq()).isGreaterThanOrEqualTo(1);
        await().until(() -> received.size() == 2);
        Session s = server.sessions().ofUser("alice");
        s.attributes().put("hp", 42);
        s.join("room");
        s.send("one");
        s.send("two");
        assertThat(c.next(Frame.SeqData.class)).isEqualTo(Frame.SeqData.of(1, "one"));
        assertThat(c.next(Frame.SeqData.class)).isEqualTo(Frame.SeqData.of(2, "two"));
        c.send(new Frame.Ack(1)); // "two" arrived but is not acknowledged yet
        c.reset();

        await().atMost(Duration.ofSeconds(5)).until(() -> s.state() == Session.State.DETACHED);
        assertThat(presence.events).contains("detached " + s.id() + " peer reset");
        assertThat(server.sessions().sendToUser("alice", "three")).isEqualTo(1); // sent while detached
        assertThat(server.sessions().sendToGroup("room", "four")).isEqualTo(1);

        // The client received up to 2; the server says it has the client's up to 2.
        FrameSocket c2 = connect(token, 2);
        assertThat(c2.welcome.resumed()).isTrue();
        assertThat(c2.welcome.receivedSeq()).isEqualTo(2);
        assertThat(c2.welcome.resumeToken()).hasSize(16).isNotEqualTo(token);
        assertThat(c2.next(Frame.SeqData.class)).isEqualTo(Frame.SeqData.of(3, "three"));
        assertThat(c2.next(Frame.SeqData.class)).isEqualTo(Frame.SeqData.of(4, "four"));
        c2.send(Frame.SeqData.of(2, "hello"));   // a resend the server already has: dropped
        c2.send(Frame.SeqData.of(3, "after"));
        await().until(() -> received.size() == 3);
        assertThat(received).containsExactly("login alice", "hello", "after");

        assertThat(server.sessions().count()).isEqualTo(1);
        assertThat(server.sessions().ofUser("alice")).isSameAs(s);
        assertThat(s.attributes()).containsEntry("hp", 42);
        assertThat(server.sessions().members("room")).containsExactly(s);
        assertThat(s.resumes()).isEqualTo(1);
        await().until(() -> presence.has("resumed " + s.id()));
        assertThat(presence.count("online")).isEqualTo(1);
        assertThat(presence.count("offline")).isZero();
        c2.close();
    }

    @Test
    void wrongUsedAndExpiredTokensAreRefusedWithoutDisturbingTheSession() throws Exception {
        start(ServerConfig.builder().sessionResumeWindow(Duration.ofMillis(400)));
        FrameSocket c = connect(null, 0);
        byte[] first = c.welcome.resumeToken();
        Session s = onlySession();
        c.reset();
        await().until(() -> s.state() == Session.State.DETACHED);
        FrameSocket c2 = connect(first, 0);
        assertThat(c2.welcome.resumed()).isTrue();

        byte[] wrong = first.clone();
        wrong[0] ^= 1;
        for (byte[] bad : List.of(wrong, first, new byte[] {1, 2, 3})) {
            try (FrameSocket x = connect(bad, 0)) {
                assertThat(x.welcome).isNull();
                Frame.Close close = (Frame.Close) x.refusal;
                assertThat(close.code()).isEqualTo(EndReason.RESUME_REFUSED_CODE);
                assertThat(close.reason()).contains("resume refused");
            }
        }
        // The real session is untouched: still attached to c2, still delivering.
        assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
        s.send("still here");
        assertThat(c2.next(Frame.SeqData.class).text()).isEqualTo("still here");

        byte[] current = c2.welcome.resumeToken();
        c2.reset();
        await().atMost(Duration.ofSeconds(5)).until(() -> presence.has("offline " + s.id() + " expired"));
        assertThat(presence.ends.get(s.id()).detail()).contains("no resume within 400 ms");
        try (FrameSocket late = connect(current, 0)) { // an expired session is told apart from an unknown token
            Frame.Close close = (Frame.Close) late.refusal;
            assertThat(close.code()).isEqualTo(EndReason.UNRECOVERABLE_CODE);
            assertThat(close.reason()).isEqualTo("resume refused: the session cannot be recovered: it ended (expired)");
        }
        assertThat(server.sessions().count()).isZero();
        assertThat(presence.count("offline")).isEqualTo(1);
    }

    @Test
    void resumeWhileTheOldConnectionLooksAliveTakesItOver() throws Exception {
        start(ServerConfig.builder());
        FrameSocket silent = connect(null, 0);
        Session s = onlySession();
        FrameSocket c2 = connect(silent.welcome.resumeToken(), 0);
        assertThat(c2.welcome.resumed()).isTrue();
        Frame.Close close = silent.next(Frame.Close.class);
        assertThat(close.code()).isEqualTo(EndReason.TAKEN_OVER_CODE);
        assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
        assertThat(server.sessions().count()).isEqualTo(1);
        assertThat(presence.count("detached")).isZero();
        c2.close();
        silent.close();
    }

    @Test
    void closeFrameEndsTheSessionAtOnce() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket c = connect(null, 0)) {
            Session s = onlySession();
            s.attributes().put("gold", 7);
            c.send(new Frame.Close(1007, "bye"));
            await().until(() -> presence.has("offline " + s.id() + " closed"));
            assertThat(presence.attributesAtOffline.get(s.id())).containsEntry("gold", 7);
            await().until(() -> s.attributes().isEmpty());
            assertThat(presence.count("detached")).isZero();
            assertThat(server.sessions().count()).isZero();
        }
    }

    @Test
    void replayBufferOverflowEndsTheSessionSayingSo() throws Exception {
        start(ServerConfig.builder().sessionReplayBuffer(5));
        try (FrameSocket c = connect(null, 0)) {
            Session s = onlySession();
            for (int i = 1; i <= 5; i++) {
                assertThat(s.send("m" + i)).isTrue();
            }
            assertThat(s.send("m6")).isFalse(); // never acknowledged: the sixth does not fit
            await().until(() -> presence.has("offline " + s.id() + " replay overflow"));
            assertThat(presence.ends.get(s.id()).detail()).contains("session_replay_buffer");
            Frame.Close close = c.next(Frame.Close.class);
            assertThat(close.code()).isEqualTo(EndReason.REPLAY_OVERFLOW.wireCode());
        }
    }

    @Test
    void acknowledgedMessagesLeaveTheReplayBuffer() throws Exception {
        start(ServerConfig.builder().sessionReplayBuffer(3));
        try (FrameSocket c = connect(null, 0)) {
            Session s = onlySession();
            for (int i = 1; i <= 30; i++) {
                assertThat(s.send("m" + i)).isTrue();
                assertThat(c.next(Frame.SeqData.class).seq()).isEqualTo(i);
                c.send(new Frame.Ack(i));
                await().until(() -> ((SessionImpl) s).unacked() == 0);
            }
            assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
        }
    }

    @Test
    void withResumeOffALossEndsTheSession() throws Exception {
        start(ServerConfig.builder().sessionResumeWindow(Duration.ZERO));
        FrameSocket c = connect(null, 0);
        assertThat(c.welcome.resumeToken()).isEmpty();
        Session s = onlySession();
        c.reset();
        await().until(() -> presence.has("offline " + s.id() + " lost"));
        assertThat(presence.ends.get(s.id()).lastClose().reason().text()).isEqualTo("peer reset");
    }

    /**
     * The expiry thread sleeps while no window runs out (it used to tick every window / 20 anyway)
     * and ends a detached session within one tick (20 ms here) of its window: bound 400 ms - 50 ms
     * (the detach is stamped a moment after the window starts) to 400 + 20 + 250 ms (a loaded machine).
     */
    @Test
    void theExpiryThreadSleepsUntilAWindowRunsOutAndEndsTheSessionWithinOneTick() throws Exception {
        start(ServerConfig.builder().sessionResumeWindow(Duration.ofMillis(400)));
        ExpiryTimer timer = ((SessionManager) server.sessions()).timer;
        Map<String, Long> at = new ConcurrentHashMap<>();
        server.sessions().addListener(new PresenceListener() {
            @Override
            public void onDetached(Session s, CloseInfo cause) {
                at.put("detached", System.nanoTime());
            }

            @Override
            public void onOffline(Session s, SessionEnd end) {
                at.put("offline", System.nanoTime());
            }
        });
        FrameSocket c = connect(null, 0);
        Session s = onlySession();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> timer.wakeUps() == 0);
        c.reset();
        await().atMost(Duration.ofSeconds(5)).until(() -> at.containsKey("offline"));
        assertThat(presence.ends.get(s.id()).reason()).isEqualTo(EndReason.EXPIRED);
        long ms = (at.get("offline") - at.get("detached")) / 1_000_000;
        assertThat(ms).isBetween(350L, 670L);
        assertThat(timer.wakeUps()).isLessThanOrEqualTo(2); // the expiry (a 20 ms fixed-rate tick: 35)
    }

    @Test
    void aSilentClientIsFoundByTheIdleDeadlineAndExpiresAWindowLater() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofMillis(300)).sessionResumeWindow(Duration.ofMillis(300)));
        try (FrameSocket ghost = connect(null, 0)) { // says hello, then nothing: a pulled cable
            Session s = onlySession();
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> presence.has("detached " + s.id() + " idle timeout"));
            await().atMost(Duration.ofSeconds(5)).until(() -> presence.has("offline " + s.id() + " expired"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(500L, 3000L); // idle 300 ms + window 300 ms, plus ticks
            assertThat(presence.ends.get(s.id()).lastClose().reason().text()).isEqualTo("idle timeout");
            assertThat(server.sessions().count()).isZero();
        }
    }

    @Test
    void shutdownEndsAttachedAndDetachedSessions() throws Exception {
        start(ServerConfig.builder().shutdownTimeout(Duration.ofSeconds(1)));
        FrameSocket a = connect(null, 0);
        FrameSocket b = connect(null, 0);
        await().until(() -> server.sessions().count() == 2);
        b.reset();
        await().until(() -> presence.count("detached") == 1);
        server.close();
        assertThat(presence.count("offline")).isEqualTo(2);
        assertThat(presence.events.stream().filter(e -> e.startsWith("offline"))).allMatch(e -> e.endsWith(" shutdown"));
        assertThat(a.next(Frame.Close.class).code()).isEqualTo(1009);
        a.close();
    }

    @Test
    void aResumeClaimingMessagesNeverSentIsRefusedAndTheTokenStaysValid() throws Exception {
        start(ServerConfig.builder());
        FrameSocket c = connect(null, 0);
        byte[] token = c.welcome.resumeToken();
        Session s = onlySession();
        s.send("one");
        assertThat(c.next(Frame.SeqData.class).seq()).isEqualTo(1);
        c.reset();
        await().until(() -> s.state() == Session.State.DETACHED);
        try (FrameSocket confused = connect(token, 5)) { // claims 5; only 1 was ever sent
            Frame.Close close = (Frame.Close) confused.refusal;
            assertThat(close.code()).isEqualTo(EndReason.RESUME_REFUSED_CODE);
            assertThat(close.reason()).contains("received seq 5 is outside 0..1");
        }
        try (FrameSocket ok = connect(token, 1)) { // the owner's token still works
            assertThat(ok.welcome.resumed()).isTrue();
        }
    }

    @Test
    void aGapInTheClientsSequenceIsAProtocolError() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket c = connect(null, 0)) {
            Session s = onlySession();
            c.send(Frame.SeqData.of(1, "a"));
            c.send(Frame.SeqData.of(3, "c"));
            Frame.Close close = c.next(Frame.Close.class);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).contains("SEQ_DATA 3 after 1");
            await().until(() -> presence.has("offline " + s.id() + " lost"));
            assertThat(received).containsExactly("a");
        }
    }

    @Test
    void anAckForMessagesNeverSentIsAProtocolError() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket c = connect(null, 0)) {
            c.send(new Frame.Ack(3));
            Frame.Close close = c.next(Frame.Close.class);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).contains("ACK 3 for messages never sent");
        }
    }

    @Test
    void aPlainClientGetsNoTokenAndSequencedFramesAreRefused() throws Exception {
        start(ServerConfig.builder());
        try (FrameSocket c = connect(null, Frame.Hello.NOT_SEQUENCED)) {
            assertThat(c.welcome.resumeToken()).isEmpty();
            assertThat(c.welcome.sequenced()).isFalse();
            Session s = onlySession();
            assertThat(s.resumable()).isFalse();
            s.send("plain");
            assertThat(c.next(Frame.Data.class).text()).isEqualTo("plain");
            c.send(Frame.SeqData.of(1, "x"));
            assertThat(c.next(Frame.Close.class).code()).isEqualTo(1008);
        }
    }
}
