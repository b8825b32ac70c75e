package io.tether.server.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.tether.core.protocol.Frame;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.internal.ServerConnection;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backpressure on a sequenced session: the pump writes only while the connection is writable, so
 * what a client has not taken waits once, in the replay buffer, and not a second time in the
 * connection's queue. A client that reads nothing is closed as a slow consumer; its session
 * detaches, and on resume it gets every message, in order.
 */
class SessionBackpressureTest {
    private static final int K = 1024;
    private static final int MESSAGES = 200;
    private static final int SIZE = 32 * K;

    private final PresenceLog presence = new PresenceLog();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aSessionThatStopsReadingWaitsInItsReplayBufferAndResumesAfterASlowConsumerClose() throws Exception {
        int high = 64 * K;
        server = TetherServer.builder().config(ServerConfig.builder().port(0).openSessions(true)
                .bufferHighWatermark(high).bufferLowWatermark(32 * K).outboundSoftTime(Duration.ofMillis(500))
                .sessionReplayBytes(32L * 1024 * K).sessionResumeWindow(Duration.ofSeconds(10)).build())
                .handler(new ServerHandler() { }).build();
        server.sessions().addListener(presence);
        server.start();

        FrameSocket c = FrameSocket.hello(server.localAddress(), null, 0);
        byte[] token = c.welcome.resumeToken();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.sessions().count() == 1);
        SessionImpl s = (SessionImpl) server.sessions().all().iterator().next();
        await().until(() -> presence.has("online " + s.id()));
        Channel ch = ((ServerConnection) s.connection()).channel();

        // 200 x 32 KB = 6.25 MB to a client that reads nothing: more than the kernel's buffers take.
        for (int i = 1; i <= MESSAGES; i++) {
            assertThat(s.send(message(i))).isTrue();
        }
        await("the pump stops at the high water mark").atMost(Duration.ofSeconds(10)).until(() -> !ch.isWritable());
        long queued = ch.unsafe().outboundBuffer() == null ? 0 : ch.unsafe().outboundBuffer().totalPendingWriteBytes();
        assertThat(queued).as("queued on the connection: at most one SEQ_DATA past the high water mark")
                .isLessThanOrEqualTo(high + SIZE + 13 + 96);
        assertThat(s.unacked()).as("everything unacknowledged waits in the replay buffer").isEqualTo(MESSAGES);

        await("closed as a slow consumer, session detached").atMost(Duration.ofSeconds(10))
                .until(() -> s.state() == Session.State.DETACHED);
        // The detach event follows the state change on the connection's loop: wait for it, do not race it.
        await().atMost(Duration.ofSeconds(5)).until(() -> presence.has("detached " + s.id() + " slow consumer"));
        c.close();

        // Back on a new connection, having received nothing: every message, once, in order.
        FrameSocket c2 = FrameSocket.hello(server.localAddress(), token, 0);
        assertThat(c2.welcome.resumed()).isTrue();
        for (int i = 1; i <= MESSAGES; i++) {
            Frame.SeqData d = c2.next(Frame.SeqData.class);
            assertThat(d.seq()).isEqualTo(i);
            assertThat(ByteBuffer.wrap(d.payload()).getInt()).isEqualTo(i);
            assertThat(d.payload()).hasSize(SIZE);
            if (i % 16 == 0 || i == MESSAGES) {
                c2.send(new Frame.Ack(i));
            }
        }
        await().until(() -> s.unacked() == 0);
        assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
        assertThat(s.resumes()).isEqualTo(1);
        c2.close();
    }

    private static byte[] message(int i) {
        byte[] b = new byte[SIZE];
        ByteBuffer.wrap(b).putInt(i);
        return b;
    }
}
