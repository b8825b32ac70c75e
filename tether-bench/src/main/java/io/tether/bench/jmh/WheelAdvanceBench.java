package io.tether.bench.jmh;

import io.tether.core.liveness.DeadlineWheel;
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
 * Cost of one 10 ms tick of the wheel, on a simulated clock, with N connections that all read
 * once per {@code readEveryMs} (so each is visited once per 60 s idle period and put back).
 * Multiply by 100 ticks per second for the CPU one wheel costs per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class WheelAdvanceBench {

    static final class Conn extends DeadlineWheel.Entry {
        long lastRead;
    }

    @Param({"10000", "1000000"})
    int connections;

    final long tick = TimeUnit.MILLISECONDS.toNanos(10);
    final long idle = TimeUnit.SECONDS.toNanos(60);
    DeadlineWheel<Conn> wheel;
    long now;

    @Setup
    public void setUp() {
        now = 0;
        // Every visit finds the connection read recently (a healthy, pinging client): put back for later.
        wheel = new DeadlineWheel<>(tick, idle, now, (c, t) -> {
            c.lastRead = t;
            return t + idle;
        });
        for (int i = 0; i < connections; i++) {
            Conn c = new Conn();
            // Spread deadlines evenly over the idle period, as connections made at different times are.
            long due = (long) ((double) idle * i / connections) + tick;
            c.lastRead = due - idle;
            wheel.schedule(c, due);
        }
    }

    @Benchmark
    public int advanceOneTick() {
        now += tick;
        return wheel.advance(now);
    }
}
