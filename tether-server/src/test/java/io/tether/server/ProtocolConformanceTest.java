package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's side of the rules docs/PROTOCOL.md states exactly (its "Conformance" section names
 * each test here), on real sockets, as a client written from the document alone would meet them.
 */
class ProtocolConformanceTest {
    private final Recorder events = new Recorder();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).build().start();
    }

    private static byte[] hello(Frame.Hello h) {
        return concat(FrameCodec.PREAMBLE, TestClient.encode(h));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A HELLO frame of raw TLV bytes (hex), to send what the encoder never writes. */
    private static byte[] rawHello(String tlvHex) {
        byte[] p = ByteBufUtil.decodeHexDump(tlvHex);
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(FrameCodec.PREAMBLE).writeByte(0x01).writeInt(p.length).writeBytes(p);
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        return bytes;
    }

    /** The one frame a fresh client gets for {@code bytes}, which must be a CLOSE followed by the server's FIN. */
    private Frame.Close refusalOf(byte[] bytes) throws Exception {
        try (TestClient c = TestClient.line(server)) {
            c.raw(bytes);
            Frame f = c.readFrame();
            assertThat(f).isInstanceOf(Frame.Close.class);
            assertThat(c.awaitEof()).isTrue();
            return (Frame.Close) f;
        }
    }

    private CloseInfo closeOf(long id) {
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(id));
        return events.onlyClose(id);
    }

    // ------------------------------------------------------------------ frame sizes

    /** The HELLO limit is the protocol's (4096 bytes), not package_max_length: a client can know it before WELCOME. */
    @Test
    void theHelloLimitIs4096WhateverPackageMaxLength() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024));
        String name = "n".repeat(4096 - 3 - 7); // name field (3 + N) and heartbeat field (7): exactly 4096
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(hello(new Frame.Hello(name, 0)));
            Frame w = c.readFrame();
            assertThat(w).isInstanceOf(Frame.Welcome.class);
            assertThat(((Frame.Welcome) w).maxFrameLength()).isEqualTo(1024);
        }
        // Refused from its header alone (the payload need not come: the server would reset a socket it left unread).
        byte[] header = Arrays.copyOf(hello(new Frame.Hello(name + "n", 0)), FrameCodec.PREAMBLE.length + FrameCodec.HEADER_LENGTH);
        assertThat(refusalOf(header))
                .isEqualTo(new Frame.Close(1008, "protocol error: HELLO of 4097 bytes exceeds the HELLO limit of 4096 bytes"));
    }

    /** WELCOME field 6 bounds a frame's payload: DATA up to it, SEQ_DATA's message up to it less its 8-byte seq. */
    @Test
    void theFrameLimitCountsTheWholePayloadSeqIncluded() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024).openSessions(true));
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(hello(new Frame.Hello("plain", 0)));
            long id = ((Frame.Welcome) c.readFrame()).connectionId();
            c.send(new Frame.Data(new byte[1024]));
            c.send(new Frame.Data(new byte[1025]));
            assertThat(c.readFrame()).isEqualTo(new Frame.Close(1008, "protocol error: DATA frame of 1025 bytes exceeds package_max_length 1024"));
            await().until(() -> events.received.getOrDefault(id, List.of()).size() == 1);
            assertThat(events.received.get(id).get(0)).hasSize(1024);
        }
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(hello(new Frame.Hello("sequenced", 0, null, 0)));
            long id = ((Frame.Welcome) c.readFrame()).connectionId();
            c.send(new Frame.SeqData(1, new byte[1016]));
            assertThat(c.readFrame()).isEqualTo(new Frame.Ack(1));
            c.send(new Frame.SeqData(2, new byte[1017]));
            assertThat(c.readFrame()).isEqualTo(new Frame.Close(1008, "protocol error: SEQ_DATA frame of 1025 bytes exceeds package_max_length 1024"));
            assertThat(events.received.get(id)).hasSize(1);
        }
    }

    /**
     * session_replay_bytes is the server's own budget, not the client's to know: a message larger than
     * all of it is refused at the send and the session goes on; filling it unacknowledged ends the session (1103).
     */
    @Test
    void aMessageLargerThanTheReplayBudgetIsRefusedAndTheSessionGoesOn() throws Exception {
        start(ServerConfig.builder().openSessions(true).sessionReplayBytes(1024));
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(hello(new Frame.Hello("c", 0, null, 0)));
            Frame.Welcome w = (Frame.Welcome) c.readFrame();
            assertThat(w.sequenced()).isTrue();
            await().until(() -> server.sessions().count() == 1);
            Session s = server.sessions().all().iterator().next();
            assertThat(s.send(new byte[1025])).as("can never be held for replay").isFalse();
            CompletableFuture<Void> viaConnection = s.connection().send(new byte[2000]);
            assertThat(viaConnection).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .havingCause().isInstanceOf(IllegalArgumentException.class)
                    .withMessage("message of 2000 bytes exceeds session_replay_bytes 1024: a sequenced session could never hold it for replay");
            assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
            assertThat(s.send(new byte[600])).isTrue();
            assertThat(c.readFrame()).isEqualTo(new Frame.SeqData(1, new byte[600]));
            assertThat(s.send(new byte[600])).as("600 + 600 unacknowledged: over the budget").isFalse();
            Frame.Close close = (Frame.Close) c.readFrame();
            assertThat(close.code()).isEqualTo(1103);
            assertThat(close.reason()).contains("session_replay_bytes 1024");
        }
    }

    // ------------------------------------------------------------------ handshake

    /** After HELLO a client may send at once: the server answers WELCOME first, then what followed, in order. */
    @Test
    void framesSentBeforeWelcomeAreHandledAfterIt() throws Exception {
        events.echo = true;
        start(ServerConfig.builder());
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(concat(hello(new Frame.Hello("eager", 0)), TestClient.encode(new Frame.Ping(7), Frame.Data.of("hi"))));
            assertThat(c.readFrame()).isInstanceOf(Frame.Welcome.class);
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(7, true, ""));
            assertThat(c.readFrame()).isEqualTo(Frame.Data.of("hi"));
        }
    }

    /**
     * The same when the WELCOME comes later: a resume that takes the session over from a connection the
     * server still holds answers from another task, and the client's frames wait for it, unread.
     */
    @Test
    void framesSentBeforeADeferredWelcomeWaitForIt() throws Exception {
        events.echo = true;
        start(ServerConfig.builder().openSessions(true).workerNum(1));
        try (TestClient old = new TestClient(server.localAddress()); TestClient c = new TestClient(server.localAddress())) {
            old.raw(hello(new Frame.Hello("c", 0, null, 0)));
            Frame.Welcome first = (Frame.Welcome) old.readFrame();
            c.raw(concat(hello(new Frame.Hello("c", 0, first.resumeToken(), 0)),
                    TestClient.encode(new Frame.Ping(7), new Frame.SeqData(1, "hi".getBytes()))));
            Frame w = c.readFrame();
            assertThat(w).as("the first frame is the WELCOME").isInstanceOf(Frame.Welcome.class);
            assertThat(((Frame.Welcome) w).resumed()).isTrue();
            List<Frame> after = new ArrayList<>();
            while (after.size() < 3) {
                after.add(c.readFrame());
            }
            assertThat(after.get(0)).as("the PONG of the PING that came first").isEqualTo(new Frame.Pong(7, true, ""));
            assertThat(after.subList(1, 3)).as("its SEQ_DATA acknowledged and echoed")
                    .containsExactlyInAnyOrder(new Frame.Ack(1), Frame.SeqData.of(1, "hi"));
            assertThat(((Frame.Close) old.readFrame()).code()).isEqualTo(1105);
        }
    }

    /** A known HELLO field twice, or of the wrong length, is a protocol error; an unknown one is skipped. */
    @Test
    void helloFieldsAreStrictButUnknownOnesAreSkipped() throws Exception {
        start(ServerConfig.builder());
        assertThat(refusalOf(rawHello("02000400000064" + "02000400000064")))
                .isEqualTo(new Frame.Close(1008, "protocol error: HELLO field 2 appears twice"));
        assertThat(refusalOf(rawHello("020002" + "0064")))
                .isEqualTo(new Frame.Close(1008, "protocol error: HELLO field 2 must be 4 bytes, got 2"));
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(rawHello("7f0002abcd" + "010001" + "78" + "7f0000"));
            assertThat(c.readFrame()).isInstanceOf(Frame.Welcome.class);
        }
    }

    /**
     * Field 3 (token) and field 4 (received seq) ask together: a token without 4, or 4 above 0 without a
     * token, is refused with 1104, sessions on or off, and the session the token belongs to is untouched.
     */
    @Test
    void aTokenWithoutReceivedSeqOrAReceivedSeqWithoutTokenIsRefusedWith1104() throws Exception {
        start(ServerConfig.builder().openSessions(true));
        try (TestClient owner = new TestClient(server.localAddress())) {
            owner.raw(hello(new Frame.Hello("c", 0, null, 0)));
            byte[] token = ((Frame.Welcome) owner.readFrame()).resumeToken();
            assertThat(refusalOf(hello(new Frame.Hello("c", 0, token))))
                    .isEqualTo(new Frame.Close(1104, "resume refused: resume token without HELLO field 4 (received seq): only a sequenced session resumes"));
            assertThat(refusalOf(hello(new Frame.Hello("c", 0, null, 3))))
                    .isEqualTo(new Frame.Close(1104, "resume refused: received seq 3 without a resume token (HELLO field 4 is 0 for a new session)"));
            owner.reset();
            await().until(() -> server.sessions().all().iterator().next().state() == Session.State.DETACHED);
            try (TestClient back = new TestClient(server.localAddress())) {
                back.raw(hello(new Frame.Hello("c", 0, token, 0)));
                assertThat(((Frame.Welcome) back.readFrame()).resumed()).as("the token still resumes its session").isTrue();
            }
        }
        server.close();
        start(ServerConfig.builder());
        assertThat(refusalOf(hello(new Frame.Hello("c", 0, null, 3))).reason())
                .isEqualTo("resume refused: received seq 3 without a resume token (HELLO field 4 is 0 for a new session);"
                        + " sessions are off on this server (open_sessions)");
    }

    // ------------------------------------------------------------------ liveness

    /** A client's PONG: the server reads it as life only; its status and detail are not judged (status must be 0 or 1). */
    @Test
    void aClientsPongStatusAndDetailAreIgnoredButMustBeWellFormed() throws Exception {
        start(ServerConfig.builder().serverPingInterval(Duration.ofMillis(200)).serverPingTimeout(Duration.ofMillis(500)));
        try (TestClient c = TestClient.frame(server)) {
            long id = c.welcome.connectionId();
            for (int i = 0; i < 3; i++) {
                Frame.Ping p = (Frame.Ping) c.readFrame();
                c.send(new Frame.Pong(p.id(), false, "whatever the client says"));
            }
            assertThat(events.closes).doesNotContainKey(id);
            Frame.Ping p = (Frame.Ping) c.readFrame();
            byte[] bad = TestClient.encode(new Frame.Pong(p.id(), true, ""));
            bad[13] = 2; // status 2
            c.raw(bad);
            assertThat(c.readFrame()).isEqualTo(new Frame.Close(1008, "protocol error: PONG status 2 is not 0 (healthy) or 1 (unhealthy)"));
        }
    }

    /**
     * The exact ping rule at the defaults (burst 10, strikes 2), on a stopped clock: of 20 pipelined
     * pings the first is free, 10 spend the burst, the 12th is 1 over (NOTICE, then its PONG), the 13th
     * 2 over (answered), the 14th 3 over: more than ping_strikes, CLOSE 1011 and no PONG.
     */
    @Test
    void aFloodIsClosedByItsPingThatIsMoreThanPingStrikesOver() throws Exception {
        MockTicker clock = Ticker.newMockTicker();
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(1).build()).handler(events)
                .ticker(clock).build().start();
        try (TestClient c = TestClient.frame(server)) {
            Frame[] flood = new Frame[20];
            for (int i = 0; i < flood.length; i++) {
                flood[i] = new Frame.Ping(i + 1);
            }
            c.raw(TestClient.encode(flood));
            List<Frame> got = c.framesUntilClose();
            List<Frame> expected = new ArrayList<>();
            for (long id = 1; id <= 11; id++) {
                expected.add(new Frame.Pong(id, true, ""));
            }
            expected.add(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 500, "too many pings: at most one every 500 ms after a burst of 10"));
            expected.add(new Frame.Pong(12, true, ""));
            expected.add(new Frame.Pong(13, true, ""));
            expected.add(new Frame.Close(1011, "too many pings: 3 pings over the allowance (a burst of 10, then one every 500 ms; ping_strikes 2)"));
            assertThat(got).isEqualTo(expected);
        }
    }

    // ------------------------------------------------------------------ closing

    /**
     * A client's CLOSE, whatever its code (one no version knows here): not echoed; what came before it is
     * answered, then the server closes; reported as peer closed with the code and words in the detail.
     */
    @Test
    void aClientsCloseIsNeverEchoedAndAnyCodeIsPeerClosed() throws Exception {
        start(ServerConfig.builder());
        try (TestClient c = TestClient.frame(server)) {
            long id = c.welcome.connectionId();
            c.raw(TestClient.encode(new Frame.Ping(5), new Frame.Close(4242, "why")));
            assertThat(c.readFrame()).isEqualTo(new Frame.Pong(5, true, ""));
            assertThat(c.awaitEof()).as("nothing after the PONG: no CLOSE back").isTrue();
            CloseInfo info = closeOf(id);
            assertThat(info.reason()).isEqualTo(CloseReason.PEER_CLOSED);
            assertThat(info.detail()).isEqualTo("CLOSE frame 4242: why");
        }
    }

    // ------------------------------------------------------------------ sessions

    /**
     * A gap in the client's sequence numbers: CLOSE 1008, and the session ends (reason lost); its token
     * resumes nothing. The client SDK does the same the other way (ClientConformanceTest).
     */
    @Test
    void aSequenceGapIsAProtocolErrorThatEndsTheSession() throws Exception {
        start(ServerConfig.builder().openSessions(true));
        List<String> offline = new java.util.concurrent.CopyOnWriteArrayList<>();
        server.sessions().addListener(new io.tether.server.session.PresenceListener() {
            @Override
            public void onOffline(Session s, io.tether.server.session.SessionEnd end) {
                offline.add(end.reason().text());
            }
        });
        byte[] token;
        try (TestClient c = new TestClient(server.localAddress())) {
            c.raw(hello(new Frame.Hello("c", 0, null, 0)));
            token = ((Frame.Welcome) c.readFrame()).resumeToken();
            c.raw(TestClient.encode(Frame.SeqData.of(1, "a"), Frame.SeqData.of(3, "c")));
            assertThat(c.framesUntilClose()).last()
                    .isEqualTo(new Frame.Close(1008, "protocol error: SEQ_DATA 3 after 1: sequence numbers must not skip"));
        }
        await().until(() -> offline.equals(List.of("lost")));
        assertThat(refusalOf(hello(new Frame.Hello("c", 0, token, 0))).code()).isEqualTo(1106); // it ended: cannot be recovered
        assertThat(events.received.values().stream().flatMap(List::stream).toList()).isEqualTo(List.of("a"));
    }
}
