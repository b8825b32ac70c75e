package io.tether.bench.deadline;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.tether.bench.Args;
import io.tether.core.liveness.DeadlineWheel;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heap one channel's idle timer costs: Netty's {@link IdleStateHandler} (handler, pipeline
 * context, scheduled task) against a wheel entry held by a per-channel handler, each measured as
 * the live-heap difference between N channels with it and N channels with an empty per-channel
 * handler. Channels are {@link EmbeddedChannel}s, whose event loop keeps scheduled tasks the way
 * a real one does.
 */
public final class IdleStateHeapBench {

    private IdleStateHeapBench() {
    }

    public static void main(String[] argv) throws Exception {
        int n = new Args(argv).integer("channels", 100_000);
        // Load and initialise every class on the path first, so no one-time cost lands in a figure.
        perChannel(n / 10, Empty::new);
        perChannel(n / 10, () -> new IdleStateHandler(60, 0, 0, TimeUnit.SECONDS));
        perChannel(n / 10, WheelConn::new);
        double empty = perChannel(n, Empty::new);
        double idle = perChannel(n, () -> new IdleStateHandler(60, 0, 0, TimeUnit.SECONDS));
        double wheel = perChannel(n, WheelConn::new);
        System.out.printf(Locale.ROOT, "channels=%d emptyHandlerChannel=%.1f idleStateHandlerExtra=%.1f wheelHandlerExtra=%.1f"
                + " wheelEntryFieldsOnly=%.1f%n", n, empty, idle - empty, wheel - empty, entryOnly(n));
    }

    private static double perChannel(int n, Supplier<ChannelHandler> handler) throws InterruptedException {
        EmbeddedChannel[] channels = new EmbeddedChannel[n];
        long before = DeadlineOnlyBench.usedHeapAfterGc();
        for (int i = 0; i < n; i++) {
            channels[i] = new EmbeddedChannel(handler.get());
        }
        long after = DeadlineOnlyBench.usedHeapAfterGc();
        double per = (after - before) / (double) n;
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        return per;
    }

    private static double entryOnly(int n) throws InterruptedException {
        DeadlineWheel<Entry> wheel = new DeadlineWheel<>(10_000_000L, 60_000_000_000L, 0, (e, t) -> DeadlineWheel.NONE);
        long before = DeadlineOnlyBench.usedHeapAfterGc();
        Object[] keep = new Object[n];
        for (int i = 0; i < n; i++) {
            Entry e = new Entry();
            wheel.schedule(e, 1_000_000_000L + i);
            keep[i] = e;
        }
        long after = DeadlineOnlyBench.usedHeapAfterGc();
        if (keep.length != wheel.size()) {
            throw new IllegalStateException();
        }
        return (after - before - (16 + 4.0 * n)) / n;
    }

    static final class Empty extends ChannelInboundHandlerAdapter {
    }

    static final class Entry extends DeadlineWheel.Entry {
        long lastRead;
    }

    /** A per-channel handler that also carries the wheel's fields (as a Tether connection does). */
    static final class WheelConn extends ChannelInboundHandlerAdapter {
        final Entry entry = new Entry();
    }
}
