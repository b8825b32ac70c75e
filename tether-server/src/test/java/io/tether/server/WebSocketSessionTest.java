package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.session.Session;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frame protocol over WebSocket (subprotocol tether.v1, one frame per binary message): the
 * same handshake, pings, close codes and sessions as over TCP, from the JDK's WebSocket client.
 */
class WebSocketSessionTest {
    private final List<String> received = new CopyOnWriteArrayList<>();
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** An echo server with sessions: each message is recorded and answered "echo ...". */
    private TetherServer start(ServerConfig.Builder config) {
        server = TetherServer.builder().config(config.port(0).openWebsocketProtocol(true).openSessions(true).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        received.add(m.text());
                        conn.send("echo " + m.text());
                    }
                }).build().start();
        return server;
    }

    private static String text(Frame.SeqData d) {
        return new String(d.payload(), StandardCharsets.UTF_8);
    }

    @Test
    void helloWelcomeNumberedMessagesDropAndResumeExactlyOnceInOrder() throws Exception {
        start(ServerConfig.builder().sessionResumeWindow(Duration.ofSeconds(10)));
        List<String> delivered = new ArrayList<>(); // what the client delivers: server seq = index + 1
        byte[] token;
        try (FrameWs a = new FrameWs(server)) {
            byte[] hello = FrameWs.bytes(new Frame.Hello("ws-test", 0, null, 0));
            a.ws.binary(hello);
            // The first message is the WELCOME, byte for byte a frame: type 0x02, u32 length, TLV fields.
            Frame.Welcome w = a.next(Frame.Welcome.class);
            assertThat(HexFormat.of().formatHex(a.ws.binaries.get(0).array(), 0, 1)).isEqualTo("02");
            assertThat(w.sequenced()).isTrue();
            assertThat(w.receivedSeq()).isZero();
            token = w.resumeToken();
            assertThat(token).hasSize(16);
            for (int i = 1; i <= 5; i++) {
                a.send(new Frame.SeqData(i, ("c" + i).getBytes(StandardCharsets.UTF_8)));
            }
            // The client takes in the server's 1..3 and acknowledges them; 4 and 5 are "lost" with the connection.
            while (delivered.size() < 3) {
                Frame f = a.next();
                if (f instanceof Frame.SeqData d && d.seq() == delivered.size() + 1) {
                    delivered.add(text(d));
                }
            }
            a.send(new Frame.Ack(3));
            await().until(() -> received.size() == 5);
        } // abort: the TCP connection drops without a WebSocket close
        Session s = server.sessions().all().iterator().next();
        await().until(() -> s.state() == Session.State.DETACHED);

        try (FrameWs b = new FrameWs(server)) {
            b.send(new Frame.Hello("ws-test", 0, token, 3));
            Frame.Welcome w = b.next(Frame.Welcome.class);
            assertThat(w.resumed()).isTrue();
            assertThat(w.receivedSeq()).as("the server has the client's 1..5").isEqualTo(5);
            b.send(new Frame.SeqData(5, "c5".getBytes(StandardCharsets.UTF_8))); // a duplicate: dropped
            b.send(new Frame.SeqData(6, "c6".getBytes(StandardCharsets.UTF_8)));
            b.send(new Frame.SeqData(7, "c7".getBytes(StandardCharsets.UTF_8)));
            while (delivered.size() < 7) {
                Frame f = b.next();
                if (f instanceof Frame.SeqData d) {
                    assertThat(d.seq()).as("replayed from 4, no gap, no repeat").isEqualTo(delivered.size() + 1);
                    delivered.add(text(d));
                }
            }
            b.send(new Frame.Ack(7));
            assertThat(s.state()).isEqualTo(Session.State.ATTACHED);
            assertThat(s.resumes()).isEqualTo(1);
        }
        assertThat(received).containsExactly("c1", "c2", "c3", "c4", "c5", "c6", "c7");
        assertThat(delivered).containsExactly("echo c1", "echo c2", "echo c3", "echo c4", "echo c5", "echo c6", "echo c7");
    }

    @Test
    void serverPingsArePingFramesAndTheCloseCodeMapsTo4000PlusTheTetherCode() throws Exception {
        start(ServerConfig.builder().heartbeatIdleTime(Duration.ofSeconds(2)).serverPingInterval(Duration.ofMillis(200))
                .serverPingTimeout(Duration.ofMillis(400)));
        try (FrameWs c = new FrameWs(server)) {
            c.send(new Frame.Hello("silent", 0));
            c.next(Frame.Welcome.class);
            Frame.Ping ping = c.next(Frame.Ping.class); // a PING frame in a binary message, left unanswered
            assertThat(ping.id()).isPositive();
            assertThat(c.ws.awaitClose(10)).isEqualTo(4005);
            assertThat(c.ws.closeReason).startsWith("ping timeout: no answer to a ping for ");
        }
    }

    @Test
    void aCloseFrameInABinaryMessageEndsTheSessionAtOnce() throws Exception {
        start(ServerConfig.builder());
        try (FrameWs c = new FrameWs(server)) {
            c.send(new Frame.Hello("leaving", 0, null, 0));
            c.next(Frame.Welcome.class);
            await().until(() -> server.sessions().count() == 1);
            Session s = server.sessions().all().iterator().next();
            c.send(new Frame.Close(1007, "bye"));
            await().until(() -> s.state() == Session.State.ENDED);
            assertThat(s.end().lastClose().reason()).isEqualTo(CloseReason.PEER_CLOSED);
            assertThat(c.ws.awaitClose(10)).as("the WebSocket closes cleanly too").isEqualTo(1000);
        }
    }

    @Test
    void aTextMessageOrTwoFramesInOneMessageIsAProtocolError() throws Exception {
        start(ServerConfig.builder());
        try (FrameWs c = new FrameWs(server)) {
            c.ws.text("hello?");
            assertThat(c.ws.awaitClose(10)).isEqualTo(4008);
            assertThat(c.ws.closeReason).isEqualTo("protocol error: tether.v1 carries frames in binary messages, got a text message");
        }
        try (FrameWs c = new FrameWs(server)) {
            byte[] one = FrameWs.bytes(new Frame.Hello("x", 0));
            byte[] two = new byte[one.length * 2];
            System.arraycopy(one, 0, two, 0, one.length);
            System.arraycopy(one, 0, two, one.length, one.length);
            c.ws.binary(two);
            assertThat(c.ws.awaitClose(10)).isEqualTo(4008);
            assertThat(c.ws.closeReason).startsWith("protocol error: a WebSocket message must carry exactly one frame");
        }
    }
}
