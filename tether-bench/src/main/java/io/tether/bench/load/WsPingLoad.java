package io.tether.bench.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The same closed-loop ping/pong load over plain TCP lines and over WebSocket, from one thread
 * (a selector), so the two transports are compared with one client: each connection sends
 * {@code ping} and waits for its {@code pong} before the next. Over WebSocket the ping is a masked
 * text message after an HTTP upgrade; the pong a 6-byte text frame.
 *
 * <pre>
 * java -cp tether-cli/target/tether.jar io.tether.bench.load.WsPingLoad line|ws HOST PORT CONNECTIONS SECONDS
 * java -cp ... io.tether.bench.load.WsPingLoad hold-line|hold-ws HOST PORT CONNECTIONS SECONDS
 * </pre>
 *
 * {@code hold-*} opens the connections, has each say one ping (answered), then holds them silent
 * for SECONDS (for a heap histogram of the server); the others print round trips per second
 * over SECONDS after a 2 s warm-up.
 */
public final class WsPingLoad {
    private static final byte[] PING_LINE = "ping\n".getBytes(StandardCharsets.US_ASCII);
    /** A client's frame: FIN + text, MASK + length 4, a zero mask (allowed: any 32-bit value), "ping". */
    private static final byte[] PING_WS = {(byte) 0x81, (byte) 0x84, 0, 0, 0, 0, 'p', 'i', 'n', 'g'};

    private WsPingLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: WsPingLoad line|ws|hold-line|hold-ws HOST PORT CONNECTIONS SECONDS");
            System.exit(2);
        }
        String mode = args[0];
        boolean ws = mode.endsWith("ws");
        InetSocketAddress server = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        int n = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        byte[] ping = ws ? PING_WS : PING_LINE;
        int pongLength = ws ? 6 : 5; // 81 04 "pong" / "pong\n"
        List<SocketChannel> channels = new ArrayList<>(n);
        Selector selector = Selector.open();
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(server);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (ws) {
                upgrade(ch);
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ, new int[1]);
            channels.add(ch);
        }
        for (SocketChannel ch : channels) {
            ch.write(ByteBuffer.wrap(ping));
        }
        boolean hold = mode.startsWith("hold");
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        long start = System.nanoTime();
        long warm = start + 2_000_000_000L;
        long end = warm + seconds * 1_000_000_000L;
        long counted = 0;
        long answered = 0;
        while (System.nanoTime() < end) {
            if (selector.select(100) == 0) {
                continue;
            }
            for (SelectionKey k : selector.selectedKeys()) {
                SocketChannel ch = (SocketChannel) k.channel();
                int[] pending = (int[]) k.attachment(); // bytes of a pong read so far
                buf.clear();
                int r = ch.read(buf);
                if (r < 0) {
                    throw new IOException("the server closed a connection");
                }
                pending[0] += r;
                int pongs = pending[0] / pongLength;
                pending[0] %= pongLength;
                answered += pongs;
                if (pongs > 0 && !hold) {
                    if (System.nanoTime() > warm) {
                        counted += pongs;
                    }
                    ch.write(ByteBuffer.wrap(ping));
                }
            }
            selector.selectedKeys().clear();
            if (hold && answered == n) {
                System.out.println("holding " + n + " " + (ws ? "WebSocket" : "line") + " connections for " + seconds + " s");
                Thread.sleep(seconds * 1000L);
                break;
            }
        }
        if (!hold) {
            System.out.printf("%s: %d connections, %d round trips in %d s: %.0f round trips/s%n", ws ? "WebSocket" : "line",
                    n, counted, seconds, counted / (double) seconds);
        }
        for (SocketChannel ch : channels) {
            ch.close();
        }
    }

    /** The HTTP upgrade, blocking: request, then the response head. */
    private static void upgrade(SocketChannel ch) throws IOException {
        String req = "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new IOException("no upgrade: " + head);
            }
            head.write(one.get(0));
        }
        if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + head);
        }
    }
}
