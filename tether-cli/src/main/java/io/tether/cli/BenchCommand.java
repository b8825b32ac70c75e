package io.tether.cli;

import io.tether.bench.load.BenchOptions;
import io.tether.bench.load.BenchRun;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tether bench}: the load tool of docs/BENCHMARKS.md. Starts the plain-Netty baseline and
 * Tether as separate server processes, drives them from several client processes on 127.0.0.x,
 * and prints every figure for both with its ratio to the baseline.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure Tether against a plain Netty server (IdleStateHandler + line codec) in one run.",
                "Memory per idle connection, idle CPU, CPU per ping rate, ping throughput and latency,",
                "reconnect time after a restart and close lateness of connections that go silent together.",
                "Loads 127.0.0.1 only; every process it starts ends by itself."})
public final class BenchCommand implements Callable<Integer> {

    @CommandLine.Mixin
    LogOptions logOptions;

    @Option(names = "--phases", split = ",", description = "Measurements to make (memory is always made: it opens the connections). Default: ${DEFAULT-VALUE}")
    List<String> phases = List.of("memory", "idle", "rates", "throughput", "restart", "lateness");

    @Option(names = "--kinds", split = ",", description = {"Servers to measure, first is the reference of the ratios: baseline, tether,",
            "lean (the idle-holding transport prototype), netty (a bare Netty channel), wheel, or tether@REV / baseline@REV (that server built from",
            "an older commit in a temporary directory, e.g. tether@8e228b2). Default: ${DEFAULT-VALUE}"})
    List<String> kinds = List.of("baseline", "tether");

    @Option(names = {"-n", "--connections"}, description = "Connections per server process (a process may open 20,000 files here). Default: ${DEFAULT-VALUE}")
    int connections = 19_000;

    @Option(names = "--steps", split = ",", description = "Points of the memory-growth curve per server process. Default: ${DEFAULT-VALUE}")
    List<Integer> steps = List.of(1_000, 5_000, 10_000, 19_000);

    @Option(names = "--servers", description = "Server processes per kind; figures add up across them. Default: ${DEFAULT-VALUE}")
    int servers = 1;

    @Option(names = "--agents-per-server", description = "Client processes per server process, each from its own 127.0.0.x. Default: ${DEFAULT-VALUE}")
    int agentsPerServer = 2;

    @Option(names = "--hold-idle", description = "Server heartbeat_idle_time (s) while connections are held. Default: ${DEFAULT-VALUE}")
    int holdIdleSeconds = 300;

    @Option(names = "--idle-cpu-seconds", description = "Window for server CPU with no connection and with every connection idle (the issue's figures: 60). Default: ${DEFAULT-VALUE}")
    int idleCpuSeconds = 10;

    @Option(names = "--ping-intervals", split = ",", description = "Ping intervals (ms) for CPU against heartbeat rate. Default: ${DEFAULT-VALUE}")
    List<Integer> pingIntervalsMs = List.of(1_000, 5_000, 30_000);

    @Option(names = "--rate-window", description = "CPU window per ping interval (s), at least one interval. Default: ${DEFAULT-VALUE}")
    int rateWindowSeconds = 10;

    @Option(names = "--throughput-connections", split = ",", description = "Closed-loop ping/pong connection counts (lineload pingpong). Default: ${DEFAULT-VALUE}")
    List<Integer> throughputConnections = List.of(100, 1_000);

    @Option(names = "--throughput-seconds", description = "Duration of each closed-loop run. Default: ${DEFAULT-VALUE}")
    int throughputSeconds = 10;

    @Option(names = "--no-restart", description = "Skip the kill-and-restart reconnect test.")
    boolean noRestart;

    @Option(names = "--silent", description = "Connections held silent from their connect for close lateness (lineload hold; 0 skips). Default: ${DEFAULT-VALUE}")
    int silentConnections = 10_000;

    @Option(names = "--silent-idle-ms", description = "heartbeat_idle_time for the lateness test (ms). Default: ${DEFAULT-VALUE}")
    int silentIdleMs = 2_000;

    @Option(names = "--rounds", description = "Whole sequences, alternating kinds; the report shows medians. Default: ${DEFAULT-VALUE}")
    int rounds = 1;

    @Option(names = "--no-histogram", description = "Skip the jcmd heap class histogram per connection.")
    boolean noHistogram;

    @Option(names = "--workers", description = "Event-loop threads per server. Default: ${DEFAULT-VALUE}")
    int workers = 1;

    @Option(names = "--framing", description = "Tether framing mode (the baseline is line only). Default: ${DEFAULT-VALUE}")
    String framing = "line";

    @Option(names = "--base-port", description = "First server port; kinds use base+10*k+i. Default: ${DEFAULT-VALUE}")
    int basePort = 9700;

    @Option(names = "--out", description = "Directory for report.md, run.log and child logs. Default: ${DEFAULT-VALUE}")
    String outDir = "bench-results";

    @Option(names = "--lineload-src", description = {"lineload.c, the C load tool of the throughput and lateness phases (built with gcc).",
            "Default: $TETHER_LINELOAD_SRC, else ../shared/tools/lineload.c from the project root."})
    String lineloadSrc;

    @Option(names = "--server-jvm", description = "JVM options of every server process (same for all kinds).")
    String serverJvm;

    @Option(names = "--agent-jvm", description = "JVM options of every client process.")
    String agentJvm;

    @Override
    public Integer call() throws Exception {
        BenchOptions o = new BenchOptions();
        o.kinds = kinds;
        o.phases = phases;
        o.connections = connections;
        o.steps = steps;
        o.servers = servers;
        o.agentsPerServer = agentsPerServer;
        o.holdIdleSeconds = holdIdleSeconds;
        o.idleCpuSeconds = idleCpuSeconds;
        o.pingIntervalsMs = pingIntervalsMs;
        o.rateWindowSeconds = rateWindowSeconds;
        o.throughputConnections = throughputConnections;
        o.throughputSeconds = throughputSeconds;
        o.restart = !noRestart;
        o.silentConnections = silentConnections;
        o.silentIdleMs = silentIdleMs;
        o.rounds = rounds;
        o.histogram = !noHistogram;
        o.workers = workers;
        o.framing = framing;
        o.basePort = basePort;
        o.outDir = outDir;
        o.lineloadSrc = lineloadSrc;
        if (serverJvm != null) {
            o.serverJvm = serverJvm;
        }
        if (agentJvm != null) {
            o.agentJvm = agentJvm;
        }
        if ((long) connections / agentsPerServer > 19_500) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--connections / --agents-per-server must stay under 19,500: a process may open 20,000 files");
        }
        BenchRun run;
        try {
            run = new BenchRun(o, System.out);
        } catch (java.io.IOException setup) { // no lineload.c, gcc failed, an old commit did not build: say which, no stack trace
            System.err.println("tether bench: " + setup.getMessage());
            return 2;
        }
        System.out.println(run.run());
        return 0;
    }

    /** Runs the bench on its own, for when the {@code tether} launcher is not at hand. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }
}
