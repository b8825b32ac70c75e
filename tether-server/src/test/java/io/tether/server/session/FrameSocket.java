package io.tether.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A blocking frame-protocol socket for step-by-step session tests. */
final class FrameSocket implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    Frame.Welcome welcome;

    private FrameSocket(InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.connect(server, 2000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    /** Connects and sends preamble + HELLO; returns the first frame the server answers with. */
    static FrameSocket hello(InetSocketAddress server, byte[] token, long receivedSeq) throws IOException {
        FrameSocket s = new FrameSocket(server);
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(FrameCodec.PREAMBLE);
        FrameCodec.encode(new Frame.Hello("session-test", 0, token, receivedSeq), b);
        s.write(b);
        Frame f = s.read();
        if (f instanceof Frame.Welcome w) {
            s.welcome = w;
        } else {
            s.refusal = f;
        }
        return s;
    }

    /** The frame that came instead of WELCOME (a CLOSE), or null. */
    Frame refusal;

    void send(Frame f) throws IOException {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        write(b);
    }

    private void write(ByteBuf b) throws IOException {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        out.write(bytes);
        out.flush();
    }

    Frame read() throws IOException {
        int type = in.readUnsignedByte();
        int len = in.readInt();
        byte[] payload = new byte[len];
        in.readFully(payload);
        ByteBuf b = Unpooled.buffer(5 + len);
        b.writeByte(type).writeInt(len).writeBytes(payload);
        try {
            return FrameCodec.decode(b, Integer.MAX_VALUE);
        } finally {
            b.release();
        }
    }

    /** Reads frames, skipping ACKs and PINGs, until one of {@code type} arrives. */
    @SuppressWarnings("unchecked")
    <T extends Frame> T next(Class<T> type) throws IOException {
        for (;;) {
            Frame f = read();
            if (type.isInstance(f)) {
                return (T) f;
            }
            if (f instanceof Frame.Close c && type != Frame.Close.class) {
                throw new AssertionError("closed by server: " + c);
            }
        }
    }

    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
