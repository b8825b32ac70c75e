package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that began with 0xFF is a frame client, and is told why it is closed with a CLOSE frame
 * even before its HELLO (docs/PROTOCOL.md, Handshake): a bad preamble, a first frame that is not
 * HELLO, an oversized frame, a resume token that cannot be one (1104, sessions on and off), and the
 * deadlines for the handshake and for a message begun; on real sockets.
 */
class HandshakeRefusalTest {
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

    /** Sends {@code bytes} as a fresh client; returns the one frame the server answers with, after which it closes. */
    private Frame.Close answerTo(byte[]... bytes) throws Exception {
        try (TestClient c = TestClient.line(server)) {
            for (byte[] b : bytes) {
                c.raw(b);
            }
            Frame f = c.readFrame();
            assertThat(f).isInstanceOf(Frame.Close.class);
            assertThat(c.awaitEof()).isTrue();
            return (Frame.Close) f;
        }
    }

    private static byte[] frame(Frame f) {
        io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
        FrameCodec.encode(f, b);
        byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(b);
        b.release();
        return bytes;
    }

    private CloseInfo onlyClose() {
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closeCount() == 1);
        return events.onlyClose(events.closes.keySet().iterator().next());
    }

    @Test
    void aFirstFrameOtherThanHelloGetsClose1008() throws Exception {
        start(ServerConfig.builder());
        Frame.Close close = answerTo(FrameCodec.PREAMBLE, frame(new Frame.Ping(1)));
        assertThat(close).isEqualTo(new Frame.Close(1008, "protocol error: expected HELLO as the first frame, got PING"));
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
    }

    @Test
    void aBadPreambleOrVersionGetsClose1008() throws Exception {
        start(ServerConfig.builder());
        assertThat(answerTo(new byte[] {(byte) 0xFF, 'X', 'Y', 'Z', 1}))
                .isEqualTo(new Frame.Close(1008, "protocol error: bad preamble: expected FF 54 48 52 01 (0xFF 'THR', version 1)"));
        assertThat(answerTo(new byte[] {(byte) 0xFF, 'T', 'H', 'R', 2}))
                .isEqualTo(new Frame.Close(1008, "protocol error: unsupported protocol version 2; this server speaks 1"));
    }

    @Test
    void anOversizedHelloGetsClose1008FromItsHeader() throws Exception {
        start(ServerConfig.builder().packageMaxLength(1024));
        assertThat(answerTo(FrameCodec.PREAMBLE, new byte[] {0x01, 0, 0, 0x13, (byte) 0x88}))
                .isEqualTo(new Frame.Close(1008, "protocol error: HELLO of 5000 bytes exceeds the HELLO limit of 4096 bytes"));
    }

    @Test
    void anEmptyResumeTokenIsRefusedWith1104WithSessionsOff() throws Exception {
        start(ServerConfig.builder());
        Frame.Close close = answerTo(FrameCodec.PREAMBLE, frame(new Frame.Hello("c", 0, new byte[0])));
        assertThat(close).isEqualTo(new Frame.Close(1104, "resume refused: empty resume token (HELLO field 3 with no bytes);"
                + " sessions are off on this server (open_sessions)"));
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.CLOSED_BY_SERVER);
    }

    @Test
    void anEmptyOrMisshapenResumeTokenIsRefusedWith1104WithSessionsOn() throws Exception {
        start(ServerConfig.builder().openSessions(true));
        assertThat(answerTo(FrameCodec.PREAMBLE, frame(new Frame.Hello("c", 0, new byte[0], 0))))
                .isEqualTo(new Frame.Close(1104, "resume refused: empty resume token (HELLO field 3 with no bytes)"));
        assertThat(answerTo(FrameCodec.PREAMBLE, frame(new Frame.Hello("c", 0, new byte[5], 0))))
                .isEqualTo(new Frame.Close(1104, "resume refused: resume token of 5 bytes; tokens are 16"));
        assertThat(server.sessions().count()).as("no session was made or touched").isZero();
        // A HELLO without the field is a new session, as before.
        try (TestClient c = TestClient.frame(server)) {
            assertThat(c.welcome).isNotNull();
        }
    }

    @Test
    void aFrameClientThatNeverSaysHelloIsClosedAfterHandshakeTimeout() throws Exception {
        start(ServerConfig.builder().handshakeTimeout(Duration.ofMillis(300)));
        long t0 = System.nanoTime();
        Frame.Close close = answerTo(FrameCodec.PREAMBLE);
        double s = (System.nanoTime() - t0) / 1e9;
        assertThat(close).isEqualTo(new Frame.Close(1008, "protocol error: handshake_timeout: no HELLO within 300 ms"));
        // Bound: 300 ms + one 10 ms tick; tolerance 700 ms for a loaded machine.
        assertThat(s).isBetween(0.3, 1.01);
        CloseInfo info = onlyClose();
        assertThat(info.reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(info.detail()).isEqualTo("handshake_timeout: no HELLO within 300 ms");
    }

    @Test
    void underFramingAutoASilentClientIsClosedUntoldAndALineClientNeverByHandshake() throws Exception {
        start(ServerConfig.builder().handshakeTimeout(Duration.ofMillis(300)).pingMinInterval(Duration.ZERO));
        try (TestClient silent = TestClient.line(server); TestClient talker = TestClient.line(server)) {
            talker.sendLine("ping");
            assertThat(talker.readLine()).isEqualTo("pong");
            assertThat(silent.awaitEof()).isTrue();
            CloseInfo info = onlyClose();
            assertThat(info.detail()).isEqualTo("handshake_timeout: nothing received within 300 ms (framing unknown)");
            talker.sendLine("ping"); // it spoke before the deadline: it has no further handshake
            assertThat(talker.readLine()).isEqualTo("pong");
        }
    }

    @Test
    void aLineLeftUnfinishedIsClosedAfterPackageTimeoutWithAnErrorLine() throws Exception {
        start(ServerConfig.builder().packageTimeout(Duration.ofMillis(400)));
        try (TestClient c = TestClient.line(server)) {
            long t0 = System.nanoTime();
            c.raw("no newline".getBytes());
            assertThat(c.readLine()).matches("error protocol error: package_timeout: line \\(10 bytes, no newline yet\\) unfinished after \\d+ ms");
            double s = (System.nanoTime() - t0) / 1e9;
            // Bound: 400 ms + one 10 ms tick; tolerance 600 ms for a loaded machine.
            assertThat(s).isBetween(0.4, 1.01);
            assertThat(c.readLine()).isNull();
        }
        assertThat(onlyClose().reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
    }
}
