package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.RecvByteBufAllocator;
import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One receive handle per event loop instead of one per connection: many connections reading at once
 * on one loop still each get exactly their own bytes, over epoll and NIO; framing raw's
 * package_max_length still caps every read; a closed connection is not kept by its loop's handle.
 */
class LoopRecvByteBufAllocatorTest {
    private final List<Socket> sockets = new ArrayList<>();
    private TetherServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        System.clearProperty("tether.transport");
    }

    private TetherServer start(String transport, ServerConfig.Builder config, ServerHandler handler) {
        System.setProperty("tether.transport", transport);
        server = TetherServer.builder().config(config.port(0).build()).handler(handler).build().start();
        assertThat(server.isNativeTransport()).isEqualTo(transport.equals("epoll"));
        return server;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()), 5000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static LoopRecvByteBufAllocator allocatorOf(Connection c) {
        return (LoopRecvByteBufAllocator) ((ServerConnection) c).channel().config().getRecvByteBufAllocator();
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertThat(b.length).as("bytes before EOF").isEqualTo(n);
        return b;
    }

    /**
     * 200 connections on one event loop, each sending lines of 1 byte to 70,000 bytes (past the
     * adaptive guess's 64 KB ceiling, so one line takes several reads) before any is read back: the
     * loop's read loops interleave connections, and every echo must be that connection's own line.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void manyConnectionsReadingOnOneLoopEachGetTheirOwnBytes(String transport) throws Exception {
        Map<Long, Connection> seen = new ConcurrentHashMap<>();
        start(transport, ServerConfig.builder().workerNum(1).framing(Framing.LINE), new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                seen.put(conn.id(), conn);
                conn.send(message.bytes());
            }
        });
        int n = 200;
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clients.add(connect());
        }
        Random random = new Random(42);
        for (int round = 0; round < 4; round++) {
            byte[][] sent = new byte[n][];
            for (int i = 0; i < n; i++) {
                int length = round == 0 ? 1 + random.nextInt(16) : 1 + random.nextInt(70_000);
                byte[] line = new byte[length + 1];
                for (int k = 0; k < length; k++) {
                    line[k] = (byte) ('a' + (i + k + round) % 26);
                }
                line[length] = '\n';
                sent[i] = line;
                clients.get(i).getOutputStream().write(line);
            }
            for (int i = 0; i < n; i++) {
                byte[] echo = readExactly(clients.get(i).getInputStream(), sent[i].length);
                assertThat(echo).as("round %d, connection %d", round, i).isEqualTo(sent[i]);
            }
        }
        assertThat(seen).hasSize(n);
        LoopRecvByteBufAllocator allocator = allocatorOf(seen.values().iterator().next());
        assertThat(allocator.handleCount()).as("one handle for the one event loop, not one per connection").isEqualTo(1);
    }

    /**
     * Framing raw with package_max_length 100: each read is at most 100 bytes (the fixed-size
     * allocator behind the loop's handle), on 50 connections at once, and the pieces add up to what
     * each sent.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void rawFramingStillCapsEveryReadAtPackageMaxLength(String transport) throws Exception {
        Map<Long, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
        AtomicInteger largest = new AtomicInteger();
        Map<Long, Connection> seen = new ConcurrentHashMap<>();
        start(transport, ServerConfig.builder().workerNum(2).framing(Framing.RAW).packageMaxLength(100), new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                seen.put(conn.id(), conn);
                byte[] b = message.bytes();
                largest.accumulateAndGet(b.length, Math::max);
                received.computeIfAbsent(conn.id(), k -> new ByteArrayOutputStream()).writeBytes(b);
                conn.send(b);
            }
        });
        int n = 50;
        List<Socket> clients = new ArrayList<>();
        byte[][] sent = new byte[n][];
        for (int i = 0; i < n; i++) {
            clients.add(connect());
        }
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            sent[i] = new byte[1000 + random.nextInt(9000)];
            random.nextBytes(sent[i]);
            clients.get(i).getOutputStream().write(sent[i]);
        }
        for (int i = 0; i < n; i++) {
            assertThat(readExactly(clients.get(i).getInputStream(), sent[i].length)).as("echo of connection %d", i).isEqualTo(sent[i]);
        }
        assertThat(largest.get()).as("largest raw message").isLessThanOrEqualTo(100);
        for (Connection c : seen.values()) {
            assertThat(received.get(c.id()).size()).isGreaterThanOrEqualTo(1000);
        }
        assertThat(allocatorOf(seen.values().iterator().next()).handleCount()).as("at most one handle per event loop").isBetween(1, 2);
    }

    /** A handle is its thread's: asked for on one thread, used on another, it refuses rather than mix two channels' reads. */
    @Test
    void aHandleServesOnlyTheThreadThatAskedForIt() throws Exception {
        LoopRecvByteBufAllocator allocator = new LoopRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator());
        RecvByteBufAllocator.Handle mine = allocator.newHandle();
        assertThat(allocator.newHandle()).as("the same thread gets the same handle").isSameAs(mine);
        AtomicReference<Object> other = new AtomicReference<>();
        AtomicReference<Throwable> misuse = new AtomicReference<>();
        Thread t = new Thread(() -> {
            other.set(allocator.newHandle());
            try {
                mine.reset(null);
            } catch (Throwable e) {
                misuse.set(e);
            }
        });
        t.start();
        t.join(10_000);
        assertThat(other.get()).as("another thread gets its own").isNotSameAs(mine);
        assertThat(allocator.handleCount()).isEqualTo(2);
        assertThat(misuse.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("used on");
    }

    /** The loop's handle forgets a channel when its read loop ends: a closed connection can be collected. */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void aClosedConnectionIsNotKeptByItsLoopsHandle(String transport) throws Exception {
        Map<Long, WeakReference<Channel>> channels = new ConcurrentHashMap<>();
        Map<Long, Boolean> closed = new ConcurrentHashMap<>();
        start(transport, ServerConfig.builder().workerNum(1).framing(Framing.LINE), new ServerHandler() {
            @Override
            public void onReceive(Connection conn, Message message) {
                channels.put(conn.id(), new WeakReference<>(((ServerConnection) conn).channel()));
                conn.send(message.bytes());
            }

            @Override
            public void onClose(Connection conn, CloseInfo info) {
                closed.put(conn.id(), true);
            }
        });
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        out.write("last words\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(readExactly(s.getInputStream(), 11), StandardCharsets.US_ASCII)).isEqualTo("last words\n");
        s.close(); // the FIN is this connection's last read on the loop
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.size() == 1);
        WeakReference<Channel> ref = channels.values().iterator().next();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return ref.get() == null;
        });
    }
}
