package io.tether.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A plain blocking socket speaking lines or frames, as a client in another language would. */
final class TestClient implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final BufferedReader lines;
    private final DataInputStream data;

    TestClient(InetSocketAddress server) throws IOException {
        this(server, null);
    }

    /** Connects from {@code local} (any port), e.g. 127.0.0.2: on Linux all of 127/8 is this host. */
    TestClient(InetSocketAddress server, InetAddress local) throws IOException {
        this(connect(server, local));
    }

    /** Over a socket already connected (a TLS socket, say). */
    TestClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(15_000);
        out = socket.getOutputStream();
        lines = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        data = new DataInputStream(socket.getInputStream());
    }

    private static Socket connect(InetSocketAddress server, InetAddress local) throws IOException {
        Socket s = new Socket();
        if (local != null) {
            s.bind(new InetSocketAddress(local, 0));
        }
        s.connect(server, 2000);
        return s;
    }

    static TestClient line(TetherServer server) throws IOException {
        return new TestClient(server.localAddress());
    }

    /** A socket from {@code local} that has sent nothing yet. */
    static TestClient from(TetherServer server, String local) throws IOException {
        return new TestClient(server.localAddress(), InetAddress.getByName(local));
    }

    /** Connects in frame mode: preamble, HELLO, and reads the WELCOME. */
    static TestClient frame(TetherServer server) throws IOException {
        return frame(new TestClient(server.localAddress()));
    }

    /** Frame mode on {@code c}: preamble, HELLO, and reads the WELCOME. */
    static TestClient frame(TestClient c) throws IOException {
        c.raw(FrameCodec.PREAMBLE);
        c.send(new Frame.Hello("test", 0));
        Frame f = c.readFrame();
        if (!(f instanceof Frame.Welcome)) {
            throw new AssertionError("expected WELCOME, got " + f);
        }
        c.welcome = (Frame.Welcome) f;
        return c;
    }

    Frame.Welcome welcome;

    void sendLine(String s) throws IOException {
        raw((s + "\n").getBytes(StandardCharsets.UTF_8));
    }

    String readLine() throws IOException {
        return lines.readLine();
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(Frame frame) throws IOException {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(frame, b);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        raw(bytes);
    }

    /** {@code frames} encoded back to back, to send in one write (pipelined). */
    static byte[] encode(Frame... frames) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (Frame f : frames) {
                FrameCodec.encode(f, b);
            }
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            return bytes;
        } finally {
            b.release();
        }
    }

    Frame readFrame() throws IOException {
        int type = data.readUnsignedByte();
        int len = data.readInt();
        byte[] payload = new byte[len];
        data.readFully(payload);
        ByteBuf b = Unpooled.buffer(5 + len);
        b.writeByte(type).writeInt(len).writeBytes(payload);
        return FrameCodec.decode(b, Integer.MAX_VALUE);
    }

    /** Reads frames up to and including the first CLOSE; returns them, the CLOSE last. */
    List<Frame> framesUntilClose() throws IOException {
        List<Frame> got = new ArrayList<>();
        Frame f;
        do {
            f = readFrame();
            got.add(f);
        } while (!(f instanceof Frame.Close));
        return got;
    }

    /** Reads until the server closes; true when it was an orderly close (EOF). */
    boolean awaitEof() throws IOException {
        try {
            while (data.read() != -1) {
                // drain
            }
            return true;
        } catch (EOFException e) {
            return true;
        }
    }

    /** Closes with RST instead of FIN. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
