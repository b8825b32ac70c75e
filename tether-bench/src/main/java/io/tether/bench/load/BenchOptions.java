package io.tether.bench.load;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything one {@code tether bench} run does; the CLI fills it from flags. Defaults are the
 * full run of docs/BENCHMARKS.md: 19,000 connections per server process, both servers.
 */
public final class BenchOptions {
    /**
     * Servers to measure, in order; the first is the reference of every ratio. {@code baseline},
     * {@code tether}, {@code lean} (the idle-holding prototype), {@code netty} (a bare channel: Netty's own
     * cost), {@code wheel}, or
     * {@code tether@REV} / {@code baseline@REV}: that server built from an older commit.
     */
    public List<String> kinds = new ArrayList<>(List.of("baseline", "tether"));
    /** Connections held per server process (a process may open 20,000 files here). */
    public int connections = 19_000;
    /** Points of the memory-growth curve, per server process. */
    public List<Integer> steps = new ArrayList<>(List.of(1_000, 5_000, 10_000, 19_000));
    /** Server processes; past one process's file limit the figures add up across them. */
    public int servers = 1;
    /** Client processes per server process, each from its own source address 127.0.0.x. */
    public int agentsPerServer = 2;
    /** Idle time of the servers while connections are held (long, so held connections stay). */
    public int holdIdleSeconds = 300;
    public int idleCpuSeconds = 10;
    public List<Integer> pingIntervalsMs = new ArrayList<>(List.of(1_000, 5_000, 30_000));
    /** CPU window per ping interval; at least one whole interval. */
    public int rateWindowSeconds = 10;
    public List<Integer> throughputConnections = new ArrayList<>(List.of(100, 1_000));
    public int throughputSeconds = 10;
    public boolean restart = true;
    /** Connections that go silent together in the close-lateness test (0 skips it). */
    public int silentConnections = 10_000;
    public int silentIdleMs = 2_000;
    /** Whole sequences, alternating the kinds, for medians. */
    public int rounds = 1;
    /** Heap class histogram (jcmd) at 0 and at the full count, first round. */
    public boolean histogram = true;
    public int workers = 1;
    public String framing = "line";
    public int basePort = 9700;
    public String outDir = "bench-results";
    /**
     * Same for every kind. The heap is fixed and pre-touched, so it is resident from the start
     * and RSS growth is everything but the heap (direct buffers, native, stacks); the heap's share
     * is the live set measured after a full GC. Their sum is the memory a connection costs when
     * the heap is sized to its live set, free of the collector's sizing policy. MarkSweepDeadRatio=0
     * makes every full GC compact completely, so "used after GC" is the live set and nothing else.
     */
    public String serverJvm = "-XX:+UseSerialGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -XX:MarkSweepDeadRatio=0 -Xss512k"
            + " -Dio.netty.leakDetection.level=disabled -Xlog:gc:stderr"; // GC pauses land in the server's .err log
    public String agentJvm = "-XX:+UseSerialGC -Xmx768m -Xss512k -Dio.netty.leakDetection.level=disabled";
    /** Which measurements to make: memory, idle, rates, throughput, restart, lateness. */
    public List<String> phases = new ArrayList<>(List.of("memory", "idle", "rates", "throughput", "restart", "lateness"));
    /** lineload.c to build (null: {@code $TETHER_LINELOAD_SRC}, then ../shared/tools/lineload.c from the project root). */
    public String lineloadSrc;
    /** Hard bound on every child process's life. */
    public int maxSeconds = 3_600;

    /** Memory-curve points up to {@link #connections}, ending at it. */
    public List<Integer> effectiveSteps() {
        List<Integer> out = new ArrayList<>();
        for (int s : steps) {
            if (s < connections) {
                out.add(s);
            }
        }
        out.add(connections);
        return out;
    }

    @Override
    public String toString() {
        return "phases=" + phases + " kinds=" + kinds + " connections/server=" + connections + " steps=" + effectiveSteps()
                + " servers=" + servers + " agents/server=" + agentsPerServer + " holdIdle=" + holdIdleSeconds + "s"
                + " idleCpu=" + idleCpuSeconds + "s pingIntervalsMs=" + pingIntervalsMs + " rateWindow=" + rateWindowSeconds
                + "s throughputConns=" + throughputConnections + " throughput=" + throughputSeconds + "s restart=" + restart
                + " silent=" + silentConnections + " silentIdle=" + silentIdleMs + "ms rounds=" + rounds
                + " workers=" + workers + " framing=" + framing + " serverJvm=[" + serverJvm + "] agentJvm=[" + agentJvm + "]";
    }
}
