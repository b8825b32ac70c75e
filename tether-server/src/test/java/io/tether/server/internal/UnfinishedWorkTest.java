package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.FrameType;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deadlines for unfinished work (handshake_timeout, package_timeout) to the tick, on a
 * simulated clock: the server's own pipeline in an EmbeddedChannel, its deadline-wheel entry looked
 * at through {@link Liveness#onDue} as the wheel would. Also what they cost: a connection that has
 * said hello and has nothing unfinished is not on the wheel at all (idle deadline and pings off).
 */
class UnfinishedWorkTest {
    private static final long MS = 1_000_000L;
    private static HealthMonitor health;
    private final MockTicker clock = Ticker.newMockTicker();
    private final List<CloseInfo> closes = new ArrayList<>();
    private ServerContext ctx;
    private EmbeddedChannel channel;
    private ServerConnection conn;

    @BeforeAll
    static void health() {
        health = new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @AfterAll
    static void closeHealth() {
        health.close();
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /** A connection accepted now, with the server's own initializer and codec. */
    private void open(ServerConfig.Builder config) {
        clock.advance(1, TimeUnit.SECONDS); // away from 0, where the wrapping millisecond stamps are special
        ctx = new ServerContext(config.build(), new ServerHandler() {
            @Override
            public void onClose(Connection c, CloseInfo info) {
                closes.add(info);
            }
        }, null, health, null, clock);
        channel = new EmbeddedChannel();
        ctx.createWheels(List.of(channel.eventLoop()));
        channel.pipeline().addLast(new ServerInitializer(ctx));
        channel.pipeline().fireChannelActive(); // the socket is up: the registry admits it
        conn = ctx.connection(1);
        assertThat(conn).isNotNull();
    }

    private void receive(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    private void receive(String text) {
        receive(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hello() {
        ByteBuf b = Unpooled.buffer();
        b.writeBytes(FrameCodec.PREAMBLE);
        FrameCodec.encode(new Frame.Hello("t", 0), b);
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        return bytes;
    }

    /** What the wheel does when it reaches the connection now: takes it off, asks, puts it back if told to. */
    private long due() {
        ctx.liveness.stop(conn);
        long next = ctx.liveness.onDue(conn, clock.nanoTime());
        if (next != DeadlineWheel.NONE) {
            ctx.liveness.lookAt(conn, next);
        }
        return next;
    }

    /** Everything the server wrote, as bytes. */
    private byte[] sent() {
        ByteBuf all = Unpooled.buffer();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        byte[] bytes = ByteBufUtil.getBytes(all);
        all.release();
        return bytes;
    }

    private List<Frame> sentFrames() {
        ByteBuf b = Unpooled.wrappedBuffer(sent());
        List<Frame> frames = new ArrayList<>();
        Frame f;
        while ((f = FrameCodec.decode(b, Integer.MAX_VALUE)) != null) {
            frames.add(f);
        }
        b.release();
        return frames;
    }

    // ------------------------------------------------------------------ handshake_timeout

    @Test
    void aFrameClientWithoutHelloIsClosedAtTheHandshakeDeadlineAndToldWhy() {
        open(ServerConfig.builder().framing(Framing.FRAME).handshakeTimeout(Duration.ofSeconds(10)));
        assertThat(conn.dueNanos()).as("looked at first when the handshake is due").isEqualTo(conn.connectNanos + 10_000 * MS);
        receive(FrameCodec.PREAMBLE); // the preamble is not the handshake: HELLO is

        clock.advance(9_999, TimeUnit.MILLISECONDS);
        assertThat(due()).as("1 ms before: look again at the deadline").isEqualTo(conn.connectNanos + 10_000 * MS);
        assertThat(closes).isEmpty();
        clock.advance(1, TimeUnit.MILLISECONDS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes).hasSize(1);
        assertThat(closes.get(0).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(closes.get(0).detail()).isEqualTo("handshake_timeout: no HELLO within 10000 ms");
        assertThat(sentFrames()).as("a frame client is told why, before any WELCOME")
                .containsExactly(new Frame.Close(1008, "protocol error: handshake_timeout: no HELLO within 10000 ms"));
    }

    @Test
    void underFramingAutoAClientThatNeverSpeaksIsClosedUntold() {
        open(ServerConfig.builder().handshakeTimeout(Duration.ofSeconds(10)));
        clock.advance(10, TimeUnit.SECONDS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes.get(0).detail()).isEqualTo("handshake_timeout: nothing received within 10000 ms (framing unknown)");
        assertThat(sent()).as("its framing is unknown: nothing to say it in").isEmpty();
    }

    @Test
    void aConnectionThatSaidHelloInTimeCostsNoFurtherVisit() {
        open(ServerConfig.builder().handshakeTimeout(Duration.ofSeconds(10)));
        assertThat(conn.isScheduled()).isTrue();
        receive(hello());
        assertThat(sentFrames()).singleElement().isInstanceOf(Frame.Welcome.class);
        assertThat(conn.isScheduled()).as("no idle deadline, no pings, nothing unfinished: off the wheel").isFalse();
        assertThat(conn.partialSinceMillis).isZero();
    }

    @Test
    void aLineClientsFirstByteEndsItsHandshakeAndOtherDeadlinesStay() {
        open(ServerConfig.builder().handshakeTimeout(Duration.ofSeconds(10)).heartbeatIdleTime(Duration.ofSeconds(60)));
        assertThat(conn.dueNanos()).isEqualTo(conn.connectNanos + 10_000 * MS);
        receive("hi\n");
        assertThat(conn.dueNanos()).as("moved to the idle deadline's first look").isEqualTo(conn.connectNanos + 60_000 * MS);
    }

    @Test
    void lineAndRawFramingHaveNoHandshake() {
        open(ServerConfig.builder().framing(Framing.LINE).handshakeTimeout(Duration.ofSeconds(10)));
        assertThat(conn.isScheduled()).isFalse();
        clock.advance(1, TimeUnit.HOURS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes).isEmpty();
    }

    // ------------------------------------------------------------------ package_timeout

    @Test
    void anUnfinishedLineIsClosedAtItsDeadlineWhateverTrickles() {
        open(ServerConfig.builder().framing(Framing.LINE).packageTimeout(Duration.ofSeconds(30)));
        assertThat(conn.isScheduled()).as("nothing unfinished: not on the wheel").isFalse();
        receive("abc");
        long started = conn.lastReadNanos();
        assertThat(conn.dueNanos()).isEqualTo(started + 30_000 * MS);
        for (int i = 0; i < 29; i++) {
            clock.advance(1, TimeUnit.SECONDS);
            receive("x"); // life for the idle deadline, not progress
        }
        clock.advance(999, TimeUnit.MILLISECONDS);
        assertThat(due()).isEqualTo(started + 30_000 * MS);
        clock.advance(1, TimeUnit.MILLISECONDS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes.get(0).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(closes.get(0).detail()).isEqualTo("package_timeout: line (32 bytes, no newline yet) unfinished after 30000 ms");
        assertThat(new String(sent(), StandardCharsets.UTF_8))
                .isEqualTo("error protocol error: package_timeout: line (32 bytes, no newline yet) unfinished after 30000 ms\n");
    }

    @Test
    void eachCompletedMessageStartsTheClockAgainForTheNext() {
        open(ServerConfig.builder().framing(Framing.LINE).packageTimeout(Duration.ofSeconds(30)));
        receive("a\nb"); // a stream whose reads end mid-message: each read completes one
        for (int i = 0; i < 5; i++) {
            clock.advance(20, TimeUnit.SECONDS);
            assertThat(due()).isNotEqualTo(DeadlineWheel.NONE);
            receive("\nc");
        }
        assertThat(closes).isEmpty();
        receive("\n");
        assertThat(conn.partialSinceMillis).as("nothing unfinished").isZero();
        clock.advance(1, TimeUnit.HOURS);
        assertThat(due()).as("the one look left after it finds nothing to do").isEqualTo(DeadlineWheel.NONE);
        assertThat(closes).isEmpty();
    }

    @Test
    void theDetailSaysWhatOfAFrameWasUnfinished() {
        assertThat(packageTimeoutDetail(new byte[] {(byte) 0xFF, 'T'}))
                .isEqualTo("package_timeout: preamble (2 of 5 bytes) unfinished after 2000 ms");
        assertThat(packageTimeoutDetail(hello(), new byte[] {(byte) FrameType.DATA.code(), 0, 0}))
                .isEqualTo("package_timeout: frame header (3 of 5 bytes) unfinished after 2000 ms");
        assertThat(packageTimeoutDetail(hello(), new byte[] {(byte) FrameType.DATA.code(), 0, 0, 4, 0, 'x'}))
                .isEqualTo("package_timeout: DATA frame (1 of 1024 payload bytes) unfinished after 2000 ms");
        List<Frame> frames = sentFrames();
        assertThat(frames.get(frames.size() - 1)).isEqualTo(new Frame.Close(1008,
                "protocol error: package_timeout: DATA frame (1 of 1024 payload bytes) unfinished after 2000 ms"));
    }

    /** A frame connection (no handshake deadline) receives {@code reads}, then 2 s pass: the close's detail. */
    private String packageTimeoutDetail(byte[]... reads) {
        if (channel != null) {
            channel.finishAndReleaseAll();
            closes.clear();
        }
        open(ServerConfig.builder().framing(Framing.FRAME).packageTimeout(Duration.ofSeconds(2)).handshakeTimeout(Duration.ZERO));
        for (byte[] r : reads) {
            receive(r);
        }
        clock.advance(2, TimeUnit.SECONDS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes).hasSize(1);
        assertThat(closes.get(0).reason()).isEqualTo(CloseReason.PROTOCOL_ERROR);
        return closes.get(0).detail();
    }

    @Test
    void zeroTurnsBothOff() {
        open(ServerConfig.builder().handshakeTimeout(Duration.ZERO).packageTimeout(Duration.ZERO));
        assertThat(conn.isScheduled()).isFalse();
        receive("unfinished");
        assertThat(conn.isScheduled()).isFalse();
        assertThat(conn.partialSinceMillis).isZero();
        clock.advance(1, TimeUnit.DAYS);
        assertThat(due()).isEqualTo(DeadlineWheel.NONE);
        assertThat(closes).isEmpty();
    }
}
