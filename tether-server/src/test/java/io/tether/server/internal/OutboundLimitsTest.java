package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.SlowConsumerException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outbound rules of {@link OutboundLimits} on one connection, step by step: an EmbeddedChannel
 * whose flushes are held back plays a client that reads nothing (what is written stays queued), and
 * a mock ticker plays the time.
 */
class OutboundLimitsTest {
    private static final int K = 1024;

    private final MockTicker clock = Ticker.newMockTicker();
    private final RecordingAllocator alloc = new RecordingAllocator(Integer.MAX_VALUE);
    private final List<CloseInfo> closes = new ArrayList<>();
    private EmbeddedChannel channel;
    private ServerContext ctx;
    private ServerConnection conn;
    /** While true, flushes stop before the channel: everything written stays queued, as for a client that does not read. */
    private boolean peerStalled = true;
    /** Reads the server asked for. */
    private int reads;

    @AfterEach
    void close() {
        if (channel != null) {
            peerStalled = false;
            channel.finishAndReleaseAll();
        }
        assertThat(alloc.unreleased()).as("frame buffers never released").isEmpty();
    }

    private void open(Framing framing, ServerConfig.Builder config) {
        ServerConfig cfg = config.framing(framing).build();
        ctx = new ServerContext(cfg, new ServerHandler() {
            @Override
            public void onClose(Connection c, CloseInfo info) {
                closes.add(info);
            }
        }, null, new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)), null, clock);
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(cfg.bufferLowWatermark(), cfg.bufferHighWatermark()));
        ctx.createWheels(List.of(channel.eventLoop()));
        conn = new ServerConnection(1, channel, ctx, framing);
        conn.ready = true;
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext c) {
                if (!peerStalled) {
                    c.flush();
                }
            }

            @Override
            public void read(ChannelHandlerContext c) {
                reads++;
                c.read();
            }
        });
        channel.pipeline().addLast(new ConnectionCodec(conn, framing, cfg.packageMaxLength()));
    }

    private long queued() {
        return channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /** The peer reads everything queued. */
    private void peerReads() {
        peerStalled = false;
        channel.flush();
        peerStalled = true;
        Object m;
        while ((m = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(m);
        }
    }

    @Test
    void overTheHighWatermarkReadingStopsAndGoesOnBelowTheLowOne() {
        open(Framing.LINE, ServerConfig.builder().maxOutboundBytes(0));
        conn.send(new byte[40 * K]);
        assertThat(channel.config().isAutoRead()).as("40 KB queued: under the 64 KB high mark, still reading").isTrue();
        long before = conn.lastReadNanos();
        conn.send(new byte[40 * K]);
        assertThat(channel.isWritable()).isFalse();
        assertThat(channel.config().isAutoRead()).as("80 KB queued: over the high mark, reading stops").isFalse();
        assertThat(OutboundLimits.paused(conn)).isTrue();

        clock.advance(5, TimeUnit.SECONDS);
        peerReads();
        assertThat(channel.isWritable()).isTrue();
        assertThat(channel.config().isAutoRead()).as("drained: reading goes on").isTrue();
        assertThat(conn.lastReadNanos()).as("draining is not life: the kernel takes bytes for a dead peer too")
                .isEqualTo(before);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aDeadlineDueWhilePausedIsJudgedAfterOneRead() {
        open(Framing.LINE, ServerConfig.builder().maxOutboundBytes(0).heartbeatIdleTime(Duration.ofSeconds(1)));
        conn.send(new byte[80 * K]);
        assertThat(OutboundLimits.paused(conn)).isTrue();

        clock.advance(1, TimeUnit.SECONDS);
        long now = clock.nanoTime();
        long next = ctx.liveness.onDue(conn, now);
        assertThat(reads).as("due while paused: one read first").isEqualTo(1);
        assertThat(channel.isOpen()).isTrue();
        assertThat(next).as("judged again one tick (10 ms) later").isEqualTo(now + TimeUnit.MILLISECONDS.toNanos(10));

        clock.advance(10, TimeUnit.MILLISECONDS);
        conn.onRead(5); // the read found bytes the client had sent meanwhile: it is alive
        now = clock.nanoTime();
        assertThat(ctx.liveness.onDue(conn, now)).as("next look at its new deadline").isEqualTo(now + TimeUnit.SECONDS.toNanos(1));
        assertThat(channel.isOpen()).isTrue();

        clock.advance(1, TimeUnit.SECONDS);
        ctx.liveness.onDue(conn, clock.nanoTime());
        assertThat(reads).isEqualTo(2);
        clock.advance(10, TimeUnit.MILLISECONDS);
        assertThat(ctx.liveness.onDue(conn, clock.nanoTime())).isEqualTo(DeadlineWheel.NONE);
        assertThat(channel.isOpen()).as("the read found nothing: silent for 1.01 s, closed").isFalse();
        assertThat(closes).singleElement().satisfies(info -> {
            assertThat(info.reason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
            assertThat(info.detail()).isEqualTo("nothing received for 1010 ms");
        });
    }

    @Test
    void overTheSoftLimitForTheSoftTimeClosesAsSlowConsumer() {
        open(Framing.LINE, ServerConfig.builder().outboundSoftTime(Duration.ofSeconds(30)));
        CompletableFuture<Void> sent = conn.send(new byte[70 * K]);
        assertThat(conn.overSoft).as("70 KB queued is over max_outbound_bytes (= buffer_low_watermark, 32 KB)").isTrue();
        assertThat(conn.isScheduled()).as("the wheel will look at it when the soft time is up").isTrue();
        assertThat(conn.dueNanos()).isEqualTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(30));

        clock.advance(29_999, TimeUnit.MILLISECONDS);
        assertThat(ctx.limits.check(conn, clock.nanoTime())).isEqualTo(clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(channel.isOpen()).isTrue();

        clock.advance(1, TimeUnit.MILLISECONDS);
        assertThat(ctx.limits.check(conn, clock.nanoTime())).isEqualTo(Long.MIN_VALUE);
        assertThat(channel.isOpen()).isFalse();
        assertThat(closes).singleElement().satisfies(info -> {
            assertThat(info.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
            assertThat(info.detail()).isEqualTo("at or over max_outbound_bytes 32768 for 30000 ms (" + (70 * K + 1 + 96) + " bytes queued)");
        });
        assertThat(sent).isCompletedExceptionally();
        assertThat(cause(sent)).isInstanceOf(SlowConsumerException.class)
                .hasMessage("connection 1 was closed as a slow consumer (at or over max_outbound_bytes 32768 for 30000 ms ("
                        + (70 * K + 1 + 96) + " bytes queued)); the message was not sent");
    }

    @Test
    void droppingUnderTheSoftLimitStartsTheTimeOver() {
        open(Framing.LINE, ServerConfig.builder().outboundSoftTime(Duration.ofSeconds(30)));
        conn.send(new byte[70 * K]);
        clock.advance(20, TimeUnit.SECONDS);
        peerReads();
        assertThat(conn.overSoft).isFalse();
        conn.send(new byte[70 * K]); // over again, 20 s after the first time
        clock.advance(15, TimeUnit.SECONDS);
        assertThat(ctx.limits.check(conn, clock.nanoTime())).as("over for 15 s of the 30: look again in 15 s")
                .isEqualTo(clock.nanoTime() + TimeUnit.SECONDS.toNanos(15));
        assertThat(channel.isOpen()).isTrue();

        // A dip seen only by the next write also counts: the queue had drained when it came.
        peerReads();
        conn.send(new byte[70 * K]);
        clock.advance(29, TimeUnit.SECONDS);
        ctx.limits.check(conn, clock.nanoTime());
        assertThat(channel.isOpen()).isTrue();
        clock.advance(1, TimeUnit.SECONDS);
        ctx.limits.check(conn, clock.nanoTime());
        assertThat(channel.isOpen()).isFalse();
        assertThat(closes).singleElement().extracting(CloseInfo::reason).isEqualTo(CloseReason.SLOW_CONSUMER);
    }

    @Test
    void aSendOverTheHardLimitClosesAtOnceAndEverySendDroppedFailsWithSlowConsumer() {
        open(Framing.FRAME, ServerConfig.builder().maxOutboundBytes(0).outboundHardLimit(1024 * K));
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 20 && channel.isOpen(); i++) {
            sends.add(conn.send(new byte[70 * K]));
        }
        assertThat(channel.isOpen()).isFalse();
        // 14 frames of 70 KB + 5 B (each counted with Netty's 96 B per queued message) fit under 1 MB; the 15th does not.
        assertThat(sends).hasSize(15).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
        long queuedAt15 = 15 * (70 * K + 5 + 96);
        assertThat(cause(sends.get(14))).isInstanceOf(SlowConsumerException.class)
                .hasMessage("connection 1 was closed as a slow consumer (" + queuedAt15
                        + " bytes queued, over outbound_hard_limit 1048576); the message was not sent");
        for (CompletableFuture<Void> f : sends) {
            assertThat(cause(f)).isInstanceOf(SlowConsumerException.class)
                    .extracting(e -> ((SlowConsumerException) e).detail())
                    .isEqualTo(queuedAt15 + " bytes queued, over outbound_hard_limit 1048576");
        }
        assertThat(closes).singleElement().satisfies(info -> {
            assertThat(info.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
            assertThat(info.detail()).isEqualTo(queuedAt15 + " bytes queued, over outbound_hard_limit 1048576");
        });
        assertThat(alloc.handedOut).as("the refused frame was never encoded").hasSize(14);
        assertThat(alloc.unreleased()).as("every queued frame released on close").isEmpty();
        assertThat(cause(conn.send(new byte[1]))).as("a send after the close says why")
                .isInstanceOf(SlowConsumerException.class);
    }

    @Test
    void sendsHeldBeforeTheHandshakeCountAgainstTheHardLimit() {
        open(Framing.FRAME, ServerConfig.builder().outboundHardLimit(1024 * K));
        conn.ready = false; // a frame client that has not sent its HELLO
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sends.add(conn.send(new byte[100 * K]));
            channel.runPendingTasks();
        }
        assertThat(channel.isOpen()).isFalse();
        assertThat(closes).singleElement().satisfies(info -> {
            assertThat(info.reason()).isEqualTo(CloseReason.SLOW_CONSUMER);
            assertThat(info.detail()).isEqualTo(11 * 100 * K + " bytes held before the handshake, over outbound_hard_limit 1048576");
        });
        assertThat(sends).allSatisfy(f -> assertThat(cause(f)).isInstanceOf(SlowConsumerException.class));
    }

    private static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
