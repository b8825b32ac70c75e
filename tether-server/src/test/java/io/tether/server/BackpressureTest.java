package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.Channel;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.internal.ServerConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Outbound backpressure and the slow-consumer limits on real sockets: a client that stops reading
 * is no longer read from (so an echo cannot amplify), is served again when it reads, and is closed
 * with reason {@code slow consumer} when it never does, in every framing.
 */
class BackpressureTest {
    private static final int K = 1024;

    private final Echo echo = new Echo();
    private TetherServer server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Echoes every message; remembers connects and closes. Cheap per message: tests here move tens of MB. */
    static final class Echo implements ServerHandler {
        final List<Long> connects = new CopyOnWriteArrayList<>();
        final Map<Long, CloseInfo> closes = new ConcurrentHashMap<>();
        final AtomicLong echoed = new AtomicLong();

        @Override
        public void onConnect(Connection conn) {
            connects.add(conn.id());
        }

        @Override
        public void onReceive(Connection conn, Message message) {
            echoed.addAndGet(message.bytes().length);
            conn.send(message.bytes());
        }

        @Override
        public void onClose(Connection conn, CloseInfo info) {
            closes.put(conn.id(), info);
        }
    }

    private TetherServer start(ServerConfig.Builder config, ServerHandler handler) {
        server = TetherServer.builder().config(config.port(0).workerNum(2).build()).handler(handler).build().start();
        return server;
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(server.localAddress(), 2000);
        s.setSoTimeout(20_000);
        return s;
    }

    private long onlyConnection() {
        await().atMost(Duration.ofSeconds(5)).until(() -> echo.connects.size() == 1);
        return echo.connects.get(0);
    }

    private Channel channel(long id) {
        return ((ServerConnection) server.connection(id)).channel();
    }

    private long queued(long id) {
        var buf = channel(id).unsafe().outboundBuffer();
        return buf == null ? 0 : buf.totalPendingWriteBytes();
    }

    /** Writes {@code chunk} over and over, up to {@code total} bytes or until the socket fails. */
    static final class Sender extends Thread {
        final AtomicLong sent = new AtomicLong();
        final long total;
        final byte[] chunk;
        final OutputStream out;
        volatile IOException failure;

        Sender(Socket s, byte[] chunk, long total) throws IOException {
            super("sender-" + s.getLocalPort());
            setDaemon(true);
            this.out = s.getOutputStream();
            this.chunk = chunk;
            this.total = total;
        }

        @Override
        public void run() {
            try {
                while (sent.get() < total) {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                }
                out.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    static byte[] lines(int lineLength, int count) {
        byte[] b = new byte[(lineLength + 1) * count];
        Arrays.fill(b, (byte) 'x');
        for (int i = 1; i <= count; i++) {
            b[i * (lineLength + 1) - 1] = '\n';
        }
        return b;
    }

    @Test
    void aClientThatStopsReadingIsNotReadFromUntilItReadsAgainAndLosesNothing() throws Exception {
        // Soft limit off: this client is only slow. The idle deadline (1 s) must not fire while the
        // server is not reading from it: its silence then is the server's doing.
        int high = 64 * K;
        start(ServerConfig.builder().framing(Framing.LINE).bufferHighWatermark(high).bufferLowWatermark(32 * K)
                .maxOutboundBytes(0).outboundHardLimit(64 * 1024 * K).heartbeatIdleTime(Duration.ofSeconds(1)), echo);
        Socket s = connect();
        long total = 32L * 1024 * K; // 32 MB of 1 KB lines, far more than the kernel buffers hold
        Sender sender = new Sender(s, lines(1023, 64), total);
        sender.start();
        long id = onlyConnection();
        await("reading paused").atMost(Duration.ofSeconds(10)).until(() -> !channel(id).config().isAutoRead());
        assertThat(server.connection(id).isWritable()).isFalse();
        long inAtPause = server.connection(id).info().bytesIn();

        // Paused for longer than the idle deadline, and not closed: when its deadline comes due the
        // server reads once (one read, at most 64 KB) and finds the bytes the client has been sending
        // all along. So it is read from at most once per idle period, and what that echoes is bounded.
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> server.connection(id) != null && !channel(id).config().isAutoRead());
        assertThat(echo.closes).isEmpty();
        long readWhilePaused = server.connection(id).info().bytesIn() - inAtPause;
        assertThat(readWhilePaused).as("read while paused for 1.5 s with a 1 s idle deadline: at most two probe reads")
                .isLessThanOrEqualTo(2 * 64 * K);
        assertThat(inAtPause).as("read before the pause, of %d sent", total).isLessThan(total / 2);
        assertThat(queued(id)).as("queued while paused: the high mark plus what one read batch and the probes echoed")
                .isLessThanOrEqualTo(high + 4 * 64 * K);
        assertThat(sender.isAlive()).as("the client cannot send it all while the server does not read").isTrue();

        // The client reads again: everything comes back, in order, and the connection lives on.
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * K];
        long got = 0;
        long lines = 0;
        while (got < total) {
            int n = in.read(buf);
            assertThat(n).as("echo ended after %d of %d bytes", got, total).isPositive();
            for (int i = 0; i < n; i++) {
                byte expected = (got + i + 1) % 1024 == 0 ? (byte) '\n' : (byte) 'x';
                if (buf[i] != expected) {
                    throw new AssertionError("byte " + (got + i) + " of the echo is " + buf[i] + ", expected " + expected);
                }
                if (buf[i] == '\n') {
                    lines++;
                }
            }
            got += n;
        }
        sender.join(10_000);
        assertThat(sender.failure).isNull();
        assertThat(lines).isEqualTo(total / 1024);
        assertThat(channel(id).config().isAutoRead()).isTrue();
        assertThat(echo.closes).as("a slow reader is served, not closed").isEmpty();
        // Now really silent: the idle deadline applies again.
        await().atMost(Duration.ofSeconds(5)).until(() -> echo.closes.containsKey(id));
        assertThat(echo.closes.get(id).reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
    }

    @Test
    void aClientThatStopsReadingAndSendsNothingIsClosedByTheIdleDeadlineOnTime() throws Exception {
        // The fault lab's "client stops reading" and "cable pulled while the server writes": reading
        // is paused because the queue is full, but the peer is silent, so the idle deadline still
        // holds (after one read that finds nothing). Soft limit off, so only the idle rule can close it.
        ServerHandler flood = new ServerHandler() {
            @Override
            public void onConnect(Connection conn) {
                echo.onConnect(conn);
            }

            @Override
            public void onReceive(Connection conn, Message message) {
                for (int i = 0; i < 64; i++) {
                    conn.send(new byte[64 * K]); // 4 MB: far more than the kernel buffers take
                }
            }

            @Override
            public void onClose(Connection conn, CloseInfo info) {
                echo.onClose(conn, info);
            }
        };
        start(ServerConfig.builder().framing(Framing.LINE).maxOutboundBytes(0).outboundHardLimit(64 * 1024 * K)
                .heartbeatIdleTime(Duration.ofSeconds(1)), flood);
        Socket s = connect();
        s.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
        long sentAt = System.nanoTime();
        long id = onlyConnection();
        await("reading paused").atMost(Duration.ofSeconds(5)).until(() -> echo.closes.containsKey(id)
                || !channel(id).config().isAutoRead());
        await().atMost(Duration.ofSeconds(5)).until(() -> echo.closes.containsKey(id));
        long closedAfterMs = (System.nanoTime() - sentAt) / 1_000_000;
        assertThat(echo.closes.get(id).reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
        assertThat(closedAfterMs).as("closed 1 s after its last byte, plus a probe read and a tick or two (tolerance 500 ms)")
                .isBetween(1000L, 1500L);
    }

    @ParameterizedTest
    @EnumSource(value = Framing.class, names = {"LINE", "FRAME", "RAW"})
    void aClientThatNeverReadsIsClosedAsASlowConsumerAfterTheSoftTime(Framing framing) throws Exception {
        start(ServerConfig.builder().framing(framing).outboundSoftTime(Duration.ofMillis(500)), echo);
        Socket s = connect();
        byte[] chunk;
        if (framing == Framing.FRAME) {
            s.getOutputStream().write(FrameCodec.PREAMBLE);
            s.getOutputStream().write(encode(new Frame.Hello("never-reads", 0)));
            chunk = encode(new Frame.Data(new byte[1000]));
        } else {
            chunk = lines(999, 64);
        }
        Sender sender = new Sender(s, chunk, 200L * 1024 * K);
        sender.start();
        long id = onlyConnection();
        await().atMost(Duration.ofSeconds(20)).until(() -> echo.closes.containsKey(id));
        CloseInfo info = echo.closes.get(id);
        assertThat(info.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(info.detail()).startsWith("at or over max_outbound_bytes 32768 for ");
        int overMs = Integer.parseInt(info.detail().replaceAll(".* for (\\d+) ms.*", "$1"));
        assertThat(overMs).as("closed once over the soft limit for outbound_soft_time (500 ms), not before; the wheel"
                + " ticks every 10 ms, the rest is scheduling slack on a shared machine").isBetween(500, 2000);
        sender.join(10_000);
        assertThat(sender.failure).as("the client's writes fail once it is closed").isNotNull();
        assertThat(sender.sent.get()).as("the client could send only what the buffers took before the close")
                .isLessThan(200L * 1024 * K);
    }

    @Test
    void aSendThatWouldGoOverTheHardLimitClosesAtOnceAndEveryDroppedSendFails() throws Exception {
        List<CompletableFuture<Void>> sends = new CopyOnWriteArrayList<>();
        ServerHandler pusher = new ServerHandler() {
            @Override
            public void onConnect(Connection conn) {
                echo.onConnect(conn);
            }

            @Override
            public void onReceive(Connection conn, Message message) {
                // 200 x 64 KB = 12.5 MB in one go to a client that reads nothing: more than the kernel
                // takes, so the queue reaches the 1 MB hard limit on the way.
                for (int i = 0; i < 200 && conn.isOpen(); i++) {
                    sends.add(conn.send(new byte[64 * K]));
                }
            }

            @Override
            public void onClose(Connection conn, CloseInfo info) {
                echo.onClose(conn, info);
            }
        };
        start(ServerConfig.builder().framing(Framing.LINE).maxOutboundBytes(0).outboundHardLimit(1024 * K), pusher);
        Socket s = connect();
        s.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
        long id = onlyConnection();
        await().atMost(Duration.ofSeconds(10)).until(() -> echo.closes.containsKey(id));
        CloseInfo info = echo.closes.get(id);
        assertThat(info.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
        assertThat(info.detail()).matches("\\d+ bytes queued, over outbound_hard_limit 1048576");
        await().atMost(Duration.ofSeconds(5)).until(() -> sends.stream().allMatch(CompletableFuture::isDone));
        List<Throwable> failures = sends.stream().map(BackpressureTest::cause).filter(t -> t != null).toList();
        assertThat(sends).as("the loop stopped at the close").hasSizeLessThan(200);
        assertThat(failures).as("the refused send and every one still queued").isNotEmpty()
                .allSatisfy(t -> assertThat(t).isInstanceOf(SlowConsumerException.class)
                        .hasMessage("connection " + id + " was closed as a slow consumer (" + info.detail()
                                + "); the message was not sent"));
        assertThat(sends.subList(0, sends.size() - failures.size())).as("what went out before: written, in order")
                .allSatisfy(f -> assertThat(cause(f)).isNull());
    }

    static byte[] encode(Frame f) {
        io.netty.buffer.ByteBuf b = io.netty.buffer.Unpooled.buffer();
        try {
            FrameCodec.encode(f, b);
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
