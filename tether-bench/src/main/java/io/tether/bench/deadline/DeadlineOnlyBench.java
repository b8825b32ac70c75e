package io.tether.bench.deadline;

import io.tether.bench.Args;
import io.tether.core.liveness.DeadlineWheel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 2's deadline-only benchmark: N tracked connections in one process, no sockets. Reports
 * heap bytes per tracked connection and the CPU one thread spends ticking the wheel every 10 ms
 * in real time (so wake-ups are counted), as a share of one core.
 *
 * <p>Patterns: {@code quiet} gives every entry a deadline past the end of the run (silent
 * connections that are not due: the wheel only ticks); {@code spread} spreads deadlines evenly
 * over the idle period and puts each visited entry back one idle period later (a healthy
 * connection visited once per period, or a silent one expiring and replaced by a new one), which
 * is the steady-state worst case: N / idle visits per second.
 *
 * <p>{@code --driven tick} (the old way) advances the wheel every tick; {@code --driven due} (the
 * server's way since the wheel reports its next occupied slot) sleeps until
 * {@link DeadlineWheel#nextDueNanos()} and advances only then.
 *
 * <p>{@code java -cp benchmarks.jar io.tether.bench.deadline.DeadlineOnlyBench --entries 1000000
 * --idle-ms 60000 --seconds 10 --pattern spread}
 */
public final class DeadlineOnlyBench {

    /** Stands for a connection: the wheel's fields plus the one the read path writes. */
    static final class Conn extends DeadlineWheel.Entry {
        long lastRead;
    }

    private DeadlineOnlyBench() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int n = args.integer("entries", 1_000_000);
        long idle = TimeUnit.MILLISECONDS.toNanos(args.longValue("idle-ms", 60_000));
        long tick = TimeUnit.MILLISECONDS.toNanos(args.longValue("tick-ms", 10));
        int seconds = args.integer("seconds", 10);
        String pattern = args.text("pattern", "spread");
        boolean due = args.text("driven", "due").equals("due");
        System.out.println(run(n, idle, tick, seconds, pattern, due));
    }

    /** Runs one configuration and returns its result line; {@code due}: wake only when a slot is due. */
    public static String run(int n, long idle, long tick, int seconds, String pattern, boolean due) throws InterruptedException {
        boolean quiet = pattern.equals("quiet");
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        DeadlineWheel<Conn> wheel = new DeadlineWheel<>(tick, idle, start, (c, now) -> {
            c.lastRead = now;
            return now + idle;
        });
        Conn[] conns = new Conn[n];
        long far = start + TimeUnit.SECONDS.toNanos(seconds + 3600L);
        for (int i = 0; i < n; i++) {
            Conn c = new Conn();
            c.lastRead = start;
            conns[i] = c;
            wheel.schedule(c, quiet ? far : start + tick + (long) ((double) idle * i / n));
        }
        long heapAfter = usedHeapAfterGc();
        // The array of references is the bench's, not the server's (it keeps connections in its own map).
        double bytesPerEntry = (heapAfter - heapBefore - (16 + 4L * n)) / (double) n;

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long end = wall0 + TimeUnit.SECONDS.toNanos(seconds);
        long visits = 0;
        long ticks = 0;
        long next = wall0 + tick;
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            visits += wheel.advance(now);
            ticks++;
            if (due) {
                long at = wheel.nextDueNanos();
                next = at == DeadlineWheel.NONE || at - end > 0 ? end : at;
            } else {
                next += tick;
            }
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        double coreShare = 100.0 * cpu / wall;
        if (conns.length != wheel.size()) {
            throw new IllegalStateException("lost entries: " + wheel.size());
        }
        return String.format(Locale.ROOT,
                "entries=%d pattern=%s driven=%s idle=%dms tick=%dms heapBytesPerEntry=%.1f wakeUps=%d visits/s=%.0f "
                        + "cpuMsPerSecond=%.2f coreShare=%.3f%% nsPerVisit=%.1f",
                n, pattern, due ? "due" : "tick", TimeUnit.NANOSECONDS.toMillis(idle), TimeUnit.NANOSECONDS.toMillis(tick),
                bytesPerEntry, ticks, visits * 1e9 / wall, cpu / 1e6 * 1e9 / wall, coreShare,
                visits == 0 ? 0.0 : (double) cpu / visits);
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
