package io.tether.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;

/** A blocking, scripted frame-protocol server, to send what a real server only sends under duress. */
final class FakeServer implements AutoCloseable {
    final ServerSocket listener;

    FakeServer() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        listener.setSoTimeout(10_000);
    }

    String endpoint() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Accepts one client, checks its preamble and returns its HELLO. */
    Peer accept() throws IOException {
        Socket s = listener.accept();
        s.setSoTimeout(10_000);
        Peer p = new Peer(s);
        byte[] preamble = new byte[5];
        p.in.readFully(preamble);
        if (!Arrays.equals(preamble, FrameCodec.PREAMBLE)) {
            throw new AssertionError("bad preamble " + Arrays.toString(preamble));
        }
        p.hello = (Frame.Hello) p.read();
        return p;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }

    static final class Peer implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final OutputStream out;
        Frame.Hello hello;

        Peer(Socket s) throws IOException {
            socket = s;
            in = new DataInputStream(s.getInputStream());
            out = s.getOutputStream();
        }

        Frame read() throws IOException {
            int type = in.readUnsignedByte();
            int len = in.readInt();
            byte[] payload = new byte[len];
            in.readFully(payload);
            ByteBuf b = Unpooled.buffer(5 + len).writeByte(type).writeInt(len).writeBytes(payload);
            try {
                return FrameCodec.decode(b, Integer.MAX_VALUE);
            } finally {
                b.release();
            }
        }

        void send(Frame f) throws IOException {
            ByteBuf b = Unpooled.buffer();
            try {
                FrameCodec.encode(f, b);
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.write(bytes);
                out.flush();
            } finally {
                b.release();
            }
        }

        void welcome(long idleMs, long minPingMs) throws IOException {
            send(new Frame.Welcome(1, idleMs, 0, 10_000, minPingMs, 1 << 20, "fake", null, false));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
