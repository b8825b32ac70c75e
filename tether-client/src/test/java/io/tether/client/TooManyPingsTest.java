package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** gRPC's too_many_pings: the server enforces a minimum ping interval; the client obeys and slows down. */
class TooManyPingsTest {

    @Test
    void aClientPingingBelowTheMinimumIsToldThenClosed() throws Exception {
        List<CloseInfo> closes = new CopyOnWriteArrayList<>();
        try (TetherServer server = TetherServer.builder()
                .config(ServerConfig.builder().port(0).workerNum(1).pingMinInterval(Duration.ofMillis(500)).pingStrikes(2).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onClose(Connection conn, CloseInfo info) {
                        closes.add(info);
                    }
                }).build().start();
             Socket raw = new Socket("127.0.0.1", server.localAddress().getPort())) {
            raw.setSoTimeout(5000);
            OutputStream out = raw.getOutputStream();
            DataInputStream in = new DataInputStream(raw.getInputStream());
            out.write(FrameCodec.PREAMBLE);
            write(out, new Frame.Hello("rude", 50));
            assertThat(read(in)).isInstanceOf(Frame.Welcome.class);
            // A flood: pipelined in one write, without waiting for pongs, more than the server's burst
            // (ping_burst 10) and strikes. Pings sent after each PONG are self-clocked and never told.
            ByteBuf flood = Unpooled.buffer();
            for (int id = 1; id <= 20; id++) {
                FrameCodec.encode(new Frame.Ping(id), flood);
            }
            byte[] bytes = new byte[flood.readableBytes()];
            flood.readBytes(bytes);
            flood.release();
            out.write(bytes);
            out.flush();
            List<Frame> got = new ArrayList<>();
            Frame f;
            do {
                f = read(in);
                got.add(f);
            } while (!(f instanceof Frame.Close));
            assertThat(got).filteredOn(x -> x instanceof Frame.Notice).singleElement()
                    .satisfies(n -> {
                        assertThat(((Frame.Notice) n).code()).isEqualTo(Frame.Notice.TOO_MANY_PINGS);
                        assertThat(((Frame.Notice) n).value()).isEqualTo(500);
                    });
            assertThat(((Frame.Close) f).code()).isEqualTo(CloseReason.TOO_MANY_PINGS.code());
            await().atMost(Duration.ofSeconds(5)).until(() -> !closes.isEmpty());
            assertThat(closes.get(0).reason()).isEqualTo(CloseReason.TOO_MANY_PINGS);
        }
    }

    @Test
    void theClientDoublesItsIntervalOnNoticeAndOnCloseAndKeepsIt() throws Exception {
        try (FakeServer fake = new FakeServer()) {
            Events events = new Events();
            try (TetherClient client = TetherClient.builder()
                    .config(ClientConfig.builder().endpoint(fake.endpoint()).heartbeatInterval(Duration.ofMillis(200))
                            .backoff(io.tether.core.backoff.Backoff.builder().initial(Duration.ofMillis(50)).build()).build())
                    .listener(events).handler(events).build().start()) {
                try (FakeServer.Peer first = fake.accept()) {
                    assertThat(first.hello.heartbeatIntervalMillis()).isEqualTo(200);
                    first.welcome(0, 0); // this server states no minimum, then complains anyway
                    Frame.Ping p1 = (Frame.Ping) first.read();
                    first.send(new Frame.Pong(p1.id(), true, ""));
                    first.send(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 100, "too many pings: at most one every 100 ms"));
                    await().atMost(Duration.ofSeconds(2)).until(() -> !events.pingChanges.isEmpty());
                    assertThat(events.pingChanges.get(0)).startsWith("200->400");
                    assertThat(client.heartbeatInterval()).isEqualTo(Duration.ofMillis(400));
                    Frame.Ping p2 = (Frame.Ping) first.read();
                    long p2At = System.nanoTime();
                    first.send(new Frame.Pong(p2.id(), true, ""));
                    Frame.Ping p3 = (Frame.Ping) first.read();
                    long gapMs = (System.nanoTime() - p2At) / 1_000_000;
                    assertThat(p3.id()).isEqualTo(p2.id() + 1);
                    // Bound 400 ms (the doubled interval); tolerance -20 ms for arrival jitter on loopback.
                    assertThat(gapMs).as("ping gap %d ms after the notice, bound 400 ms - 20 ms", gapMs).isGreaterThanOrEqualTo(380);
                    first.send(new Frame.Close(CloseReason.TOO_MANY_PINGS.code(), "too many pings"));
                }
                try (FakeServer.Peer second = fake.accept()) {
                    assertThat(second.hello.heartbeatIntervalMillis()).as("doubled again by CLOSE 1011, kept for the new connection")
                            .isEqualTo(800);
                    second.welcome(0, 0);
                    await().atMost(Duration.ofSeconds(2)).until(() -> client.state() == ClientState.CONNECTED);
                    assertThat(client.heartbeatInterval()).isEqualTo(Duration.ofMillis(800));
                }
                StateChange lost = events.list().stream().filter(c -> c.closeInfo() != null).findFirst().orElseThrow();
                assertThat(lost.closeInfo().reason()).isEqualTo(CloseReason.TOO_MANY_PINGS);
            }
        }
    }

    private static void write(OutputStream out, Frame f) throws java.io.IOException {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        out.write(bytes);
        out.flush();
    }

    private static Frame read(DataInputStream in) throws java.io.IOException {
        int type = in.readUnsignedByte();
        int len = in.readInt();
        byte[] payload = new byte[len];
        in.readFully(payload);
        ByteBuf b = Unpooled.buffer().writeByte(type).writeInt(len).writeBytes(payload);
        try {
            return FrameCodec.decode(b, Integer.MAX_VALUE);
        } finally {
            b.release();
        }
    }
}
