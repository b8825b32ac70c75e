package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A tether.v1 WebSocket client for tests: the JDK's WebSocket ({@link WsClient}) carrying the frame
 * protocol, one frame per binary message (docs/PROTOCOL.md, "WebSocket").
 */
final class FrameWs implements AutoCloseable {
    final WsClient ws;
    private int read;

    FrameWs(TetherServer server) throws Exception {
        ws = WsClient.connect(WsClient.uri(server, "/ws"), "tether.v1", null);
        assertThat(ws.ws.getSubprotocol()).isEqualTo("tether.v1");
    }

    /** The frame as the bytes of one binary message. */
    static byte[] bytes(Frame f) {
        return TestClient.encode(f);
    }

    void send(Frame f) {
        ws.binary(bytes(f));
    }

    /** The next binary message the server sent, decoded as exactly one frame; waits at most 10 s. */
    Frame next() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ws.binaries.size() <= read) {
            if (System.nanoTime() > deadline || ws.closeCode.isDone() && ws.binaries.size() <= read) {
                throw new AssertionError("no frame " + (read + 1) + "; closed: " + ws.closeCode + " " + ws.closeReason);
            }
            Thread.sleep(5);
        }
        ByteBuffer m = ws.binaries.get(read++).duplicate();
        ByteBuf b = Unpooled.wrappedBuffer(m);
        Frame f = FrameCodec.decode(b, Integer.MAX_VALUE);
        assertThat(b.isReadable()).as("one frame per message").isFalse();
        return f;
    }

    <T extends Frame> T next(Class<T> type) throws InterruptedException {
        Frame f = next();
        assertThat(f).isInstanceOf(type);
        return type.cast(f);
    }

    @Override
    public void close() {
        ws.close();
    }
}
