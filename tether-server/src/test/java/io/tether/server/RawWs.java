package io.tether.server;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * WebSocket by hand on a plain socket, for what an API client cannot do: an abrupt FIN or RST
 * after the upgrade, and reading the server's frames byte for byte (RFC 6455, section 5.2).
 */
final class RawWs implements AutoCloseable {
    final Socket socket;
    final String response;
    /** The first byte (FIN, RSV1-3, opcode) of the last frame read. */
    int lastFirstByte;
    private final OutputStream out;
    private final DataInputStream in;

    /** One frame as received: its opcode and payload. */
    record WsFrame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length < 2 ? -1 : (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        String closeReason() {
            return new String(payload, 2, Math.max(0, payload.length - 2), StandardCharsets.UTF_8);
        }
    }

    /** Connects and sends {@code request} (an HTTP request head); reads the response head. */
    RawWs(InetSocketAddress server, String request) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024); // small, so a test that reads nothing fills the server's queue soon
        socket.connect(server, 2000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        response = head.toString(StandardCharsets.US_ASCII);
    }

    static String upgrade(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
    }

    static RawWs open(TetherServer server, String extraHeaders) throws IOException {
        RawWs ws = new RawWs(server.localAddress(), upgrade("/ws", extraHeaders));
        if (!ws.response.startsWith("HTTP/1.1 101")) {
            throw new AssertionError("no upgrade: " + ws.response);
        }
        return ws;
    }

    /** A masked frame, as a client must send (opcode 1 text, 2 binary, 8 close, 9 ping). */
    void send(int opcode, byte[] payload) throws IOException {
        out.write(masked(opcode, payload));
        out.flush();
    }

    /** The bytes of a masked frame. */
    static byte[] masked(int opcode, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n < 65536) {
            f.write(0x80 | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.writeBytes(mask);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    void text(String s) throws IOException {
        send(1, s.getBytes(StandardCharsets.UTF_8));
    }

    void binary(byte[] b) throws IOException {
        send(2, b);
    }

    /** The next frame from the server (unmasked), or null at EOF. */
    WsFrame read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int b1 = in.readUnsignedByte();
        long n = b1 & 0x7F;
        if (n == 126) {
            n = in.readUnsignedShort();
        } else if (n == 127) {
            n = in.readLong();
        }
        byte[] payload = new byte[(int) n];
        in.readFully(payload);
        lastFirstByte = b0;
        return new WsFrame(b0 & 0x0F, payload);
    }

    /** Closes with an RST: linger 0, as a killed process or a pulled-down interface's stack does. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
