package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Ticker;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthReport;
import io.tether.server.health.HealthResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ping path's costs, from inside: a line pong is a view of one shared direct buffer (nothing
 * copied, nothing pooled to release), a read batch's pongs go out in one flush, and asking the
 * health monitor takes no lock and, however many loops ask at once, runs one round per cache period.
 */
class PingPathTest {
    private EmbeddedChannel channel;
    private final AtomicInteger flushes = new AtomicInteger();

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel lineChannel() {
        ServerConfig config = ServerConfig.builder().build();
        ServerContext ctx = new ServerContext(config, new ServerHandler() { }, null,
                new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)), null, Ticker.systemTicker());
        channel = new EmbeddedChannel();
        ctx.createWheels(List.of(channel.eventLoop()));
        ServerConnection conn = new ServerConnection(1, channel, ctx, Framing.LINE);
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
        channel.pipeline().addLast(new ConnectionCodec(conn, Framing.LINE, config.packageMaxLength()));
        return channel;
    }

    @Test
    void linePongsAreViewsOfOneSharedDirectBufferFlushedOncePerReadBatch() {
        EmbeddedChannel ch = lineChannel();
        ch.writeInbound(Unpooled.copiedBuffer("ping\nping\nping\n", StandardCharsets.US_ASCII)); // one read batch
        assertThat(flushes.get()).as("flushes for a batch of three pings").isEqualTo(1);
        List<ByteBuf> pongs = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            pongs.add(b);
        }
        assertThat(pongs).hasSize(3);
        for (ByteBuf p : pongs) {
            assertThat(p.toString(StandardCharsets.US_ASCII)).isEqualTo("pong\n");
            // Direct, with an address when Unsafe is there: the epoll transport writes it as it is
            // (UnixChannelUtil.isBufferCopyNeededForWrite), where it copied a heap buffer before.
            assertThat(p.isDirect()).isTrue();
            if (p.hasMemoryAddress()) {
                assertThat(p.memoryAddress()).as("the same five bytes, not a copy").isEqualTo(pongs.get(0).memoryAddress());
            }
            p.release(); // what the transport does once written: a no-op on the shared bytes
            assertThat(p.refCnt()).isEqualTo(1);
        }
        ch.writeInbound(Unpooled.copiedBuffer("hello\n", StandardCharsets.US_ASCII));
        assertThat(flushes.get()).as("no flush for a batch without a ping").isEqualTo(1);
    }

    @Test
    void withoutChecksTheMonitorAnswersAtOnce() {
        HealthMonitor none = new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(none.hasChecks()).isFalse();
        CompletableFuture<HealthReport> r = none.report();
        assertThat(r.isDone() && r.join().healthy()).isTrue();
        assertThat(none.report()).isSameAs(r);
    }

    @Test
    void manyLoopsAskingAtOnceRunOneRoundPerCachePeriod() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HealthCheck counting = counting(calls, n -> HealthResult.ok());
        try (HealthMonitor monitor = new HealthMonitor(List.of(counting), Duration.ofSeconds(30), Duration.ofSeconds(1))) {
            int threads = 8;
            Set<CompletableFuture<HealthReport>> seen = ConcurrentHashMap.newKeySet();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> askers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 20_000; i++) {
                        seen.add(monitor.report());
                    }
                });
                th.start();
                askers.add(th);
            }
            go.countDown();
            for (Thread th : askers) {
                th.join();
            }
            assertThat(seen).as("every ask got the one round").hasSize(1);
            assertThat(seen.iterator().next().get().healthy()).isTrue();
            assertThat(calls.get()).isEqualTo(1);
        }
    }

    @Test
    void aStaleReportStartsOneNewRound() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HealthCheck counting = counting(calls, n -> n == 1 ? HealthResult.ok() : HealthResult.failed("down"));
        try (HealthMonitor monitor = new HealthMonitor(List.of(counting), Duration.ZERO, Duration.ofSeconds(1))) {
            assertThat(monitor.report().get().healthy()).isTrue();
            assertThat(monitor.report().get().failed()).containsExactly("db");
            assertThat(calls.get()).isEqualTo(2);
        }
    }

    /** A check named db that counts its calls and answers {@code result} of the call's number. */
    private static HealthCheck counting(AtomicInteger calls, IntFunction<HealthResult> result) {
        return new HealthCheck() {
            @Override
            public String name() {
                return "db";
            }

            @Override
            public HealthResult check(Duration timeout) {
                return result.apply(calls.incrementAndGet());
            }
        };
    }
}
