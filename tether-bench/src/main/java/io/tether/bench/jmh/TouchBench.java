package io.tether.bench.jmh;

import io.tether.core.liveness.DeadlineWheel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deadline bookkeeping per read batch. Tether's read path is {@code conn.lastRead = nanoTime()};
 * the connection is picked from a large array so the write misses cache as it would across many
 * connections. For comparison: rescheduling the entry on the wheel on every read (what a naive
 * timer-per-connection design does) and the bare nanoTime call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TouchBench {

    /** A connection as the wheel sees it. */
    static final class Conn extends DeadlineWheel.Entry {
        long lastRead;
        long bytesIn;
    }

    private static final VarHandle LAST_READ;
    private static final VarHandle BYTES_IN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LAST_READ = l.findVarHandle(Conn.class, "lastRead", long.class);
            BYTES_IN = l.findVarHandle(Conn.class, "bytesIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Param({"1", "100000"})
    int connections;

    Conn[] conns;
    DeadlineWheel<Conn> wheel;
    int next;
    long idle = TimeUnit.SECONDS.toNanos(60);

    @Setup
    public void setUp() {
        conns = new Conn[connections];
        long now = System.nanoTime();
        wheel = new DeadlineWheel<>(TimeUnit.MILLISECONDS.toNanos(10), idle, now, (c, t) -> c.lastRead + idle);
        for (int i = 0; i < connections; i++) {
            conns[i] = new Conn();
            conns[i].lastRead = now;
            wheel.schedule(conns[i], now + idle);
        }
    }

    private Conn pick() {
        int i = next + 1;
        if (i == conns.length) {
            i = 0;
        }
        next = i;
        return conns[i];
    }

    @Benchmark
    public long nanoTimeOnly() {
        return System.nanoTime();
    }

    /** Tether's touch: a clock read and a plain field write. */
    @Benchmark
    public Conn touch() {
        Conn c = pick();
        c.lastRead = System.nanoTime();
        return c;
    }

    /**
     * What TetherServer's IoTracker does per read batch today: opaque stores (so info() on another
     * thread reads whole values) of the read time and the byte counter.
     */
    @Benchmark
    public Conn touchLikeTetherServer() {
        Conn c = pick();
        LAST_READ.setOpaque(c, System.nanoTime());
        BYTES_IN.setOpaque(c, (long) BYTES_IN.getOpaque(c) + 64);
        return c;
    }

    /** The alternative Tether avoids: move the entry to its new slot on every read. */
    @Benchmark
    public Conn rescheduleOnRead() {
        Conn c = pick();
        long now = System.nanoTime();
        c.lastRead = now;
        wheel.schedule(c, now + idle);
        return c;
    }
}
