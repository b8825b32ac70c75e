package io.tether.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The load tool's coordinator. For each server kind in turn (baseline first) it starts the
 * server process(es) and client agent processes, then measures, in this order: memory per
 * connection while opening up to N connections per server (RSS growth from /proc, live heap and
 * direct memory from the server), server CPU while every connection is idle, server CPU and ping
 * round trips at each ping interval, closed-loop ping throughput and latency, time for every
 * client to come back after the server is killed and restarted, and how late the server closes K
 * connections that go silent together. All figures go to {@link Results}; the report shows
 * medians per kind and ratios to the first kind.
 */
public final class BenchRun {
    private static final Map<String, String> MAIN_CLASS = Map.of(
            "baseline", "io.tether.bench.server.BaselineServer",
            "tether", "io.tether.bench.server.TetherBenchServer",
            "wheel", "io.tether.bench.server.WheelServer",
            "lean", "io.tether.bench.lean.LeanIdleServer",
            "netty", "io.tether.bench.server.NettyBareServer");

    private final BenchOptions o;
    private final Results results = new Results();
    private final Path dir;
    private final PrintStream out;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bench-io");
        t.setDaemon(true);
        return t;
    });
    private final long started = System.nanoTime();
    private final StringBuilder histograms = new StringBuilder();
    /** Class path of each kind's server: this process's, or an older commit's build for {@code kind@REV}. */
    private final Map<String, String> classPath = new HashMap<>();
    /** The C load tool; null when no phase needs it. */
    private final Lineload lineload;

    public BenchRun(BenchOptions options, PrintStream out) throws IOException, InterruptedException {
        this.o = options;
        this.out = out;
        for (String k : o.kinds) {
            if (!MAIN_CLASS.containsKey(baseKind(k))) {
                throw new IllegalArgumentException("unknown server kind '" + k + "'; allowed: " + MAIN_CLASS.keySet()
                        + ", or tether@REV / baseline@REV for an older commit's server");
            }
        }
        for (String k : o.kinds) {
            int at = k.indexOf('@');
            classPath.put(k, at < 0 ? System.getProperty("java.class.path") : OldBuild.classPath(k.substring(at + 1), out));
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        this.dir = Path.of(o.outDir, stamp);
        Files.createDirectories(dir);
        // Quiet loggers in the children: a per-connection log line would measure the logger.
        Files.writeString(dir.resolve("logback.xml"), "<configuration><appender name=\"E\" "
                + "class=\"ch.qos.logback.core.ConsoleAppender\"><target>System.err</target><encoder><pattern>%d %-5level %logger - %msg%n"
                + "</pattern></encoder></appender><root level=\"WARN\"><appender-ref ref=\"E\"/></root></configuration>");
        boolean needsLineload = o.phases.contains("throughput") || (o.phases.contains("lateness") && o.silentConnections > 0);
        this.lineload = needsLineload ? Lineload.build(o.lineloadSrc, dir) : null;
    }

    /** {@code tether@8e228b2} is a {@code tether} server built from commit 8e228b2. */
    static String baseKind(String kind) {
        int at = kind.indexOf('@');
        return at < 0 ? kind : kind.substring(0, at);
    }

    /** Runs every round and kind and returns the markdown report (also written to the output directory). */
    public String run() throws Exception {
        log("bench: " + o + " -> " + dir);
        try {
            for (int round = 1; round <= o.rounds; round++) {
                for (String kind : o.kinds) {
                    log("=== round " + round + "/" + o.rounds + ": " + kind + " ===");
                    runKind(kind, round);
                }
                // A report after every round, so a run cut short still leaves its figures.
                Files.writeString(dir.resolve("report.md"), report());
            }
        } finally {
            pool.shutdownNow();
        }
        String report = report();
        Files.writeString(dir.resolve("report.md"), report);
        return report;
    }

    private void runKind(String kind, int round) throws Exception {
        List<Server> servers = new ArrayList<>();
        List<Agent> agents = new ArrayList<>();
        try {
            for (int s = 0; s < o.servers; s++) {
                servers.add(startServer(kind, s, o.holdIdleSeconds * 1000L));
            }
            for (int s = 0; s < o.servers; s++) {
                for (int a = 0; a < o.agentsPerServer; a++) {
                    int index = s * o.agentsPerServer + a;
                    agents.add(new Agent(new Child(kind + "-agent" + index, jvm(o.agentJvm), System.getProperty("java.class.path"),
                            "io.tether.bench.load.ClientAgent", List.of("--max-seconds", Integer.toString(o.maxSeconds)), dir),
                            s, "127.0.0." + (2 + index)));
                }
            }
            for (Agent a : agents) {
                a.child.await("AGENT", 30_000);
            }
            // Connections are always opened (the memory phase does it); its figures are cheap.
            memory(kind, round, servers, agents);
            warmUp(kind, agents);
            if (o.phases.contains("idle")) {
                Thread.sleep(5000); // let the JIT finish what the warm-up queued
                idleCpu(kind, servers, o.connections, "all idle");
            }
            if (o.phases.contains("rates")) {
                rates(kind, servers, agents);
            }
            if (o.phases.contains("throughput")) {
                throughput(kind, servers, agents);
            }
            if (o.restart && o.phases.contains("restart")) {
                restart(kind, servers, agents);
            }
            if (o.silentConnections > 0 && o.phases.contains("lateness") && !baseKind(kind).equals("netty")) { // netty closes nothing
                lateness(kind, servers, agents);
            }
        } finally {
            for (Agent a : agents) {
                a.child.close();
            }
            for (Server s : servers) {
                s.child.close();
            }
        }
    }

    // ------------------------------------------------------------------ phases

    private void memory(String kind, int round, List<Server> servers, List<Agent> agents) throws Exception {
        // Accept, read, ping and close paths JIT-compiled before the zero point: C2's malloc'ed
        // arenas stay resident after compiling, and would otherwise show up as memory per connection.
        int warm = Math.min(2000, o.connections);
        log(kind + ": warm-up before the zero point: open, ping and close " + warm + " connections per server");
        openAll(kind, servers, agents, warm, false);
        all(agents, a -> a.child.call("rate 200", "RATE", 30_000));
        Thread.sleep(3000);
        all(agents, a -> a.child.call("closeall", "CLOSED", 60_000));
        all(agents, a -> a.child.call("stats", "STATS", 30_000));
        // TetherServer keeps a peer-closed connection reachable from a shutdown_timeout (5 s) grace
        // task; wait that out so the zero point holds no warm-up connection.
        Thread.sleep(8000);
        for (Server s : servers) {
            long left = s.stats()[2];
            for (int i = 0; i < 30 && left > 0; i++) {
                Thread.sleep(1000);
                left = s.stats()[2];
            }
            if (left > 0) {
                results.note("Note: " + kind + " still counted " + left + " connections 33 s after the warm-up clients closed.");
            }
        }
        long[] heap0 = new long[servers.size()];
        long[] direct0 = new long[servers.size()];
        long[] rss0 = new long[servers.size()];
        for (int i = 0; i < servers.size(); i++) {
            long[] st = servers.get(i).stats();
            heap0[i] = st[0];
            direct0[i] = st[1];
            rss0[i] = ProcStat.rssBytes(servers.get(i).pid());
        }
        Map<String, long[]> histo0 = round == 1 && o.histogram ? ClassHistogram.of(servers.get(0).pid()) : null;
        log(kind + ": zero point: heap " + mb(sum(heap0)) + ", RSS " + mb(sum(rss0)));
        if (o.phases.contains("idle")) {
            idleCpu(kind, servers, 0, "no connection");
        }
        int held = 0;
        for (int step : o.effectiveSteps()) {
            openAll(kind, servers, agents, step - held, true);
            held = step;
            Thread.sleep(1000);
            long heap = 0;
            long direct = 0;
            long rss = 0;
            long conns = 0;
            for (int i = 0; i < servers.size(); i++) {
                long[] st = servers.get(i).stats();
                heap += st[0] - heap0[i];
                direct += st[1] - direct0[i];
                conns += st[2];
                rss += ProcStat.rssBytes(servers.get(i).pid()) - rss0[i];
            }
            long total = (long) held * servers.size();
            String at = " @" + held + "/process";
            results.add("connections held" + at + " (all processes)", kind, conns);
            results.add("memory B/conn (live heap + RSS growth outside the heap)" + at, kind, (heap + rss) / (double) total);
            results.add("live heap B/conn" + at, kind, heap / (double) total);
            results.add("RSS growth B/conn (heap fixed and pre-touched: native, direct, stacks)" + at, kind, rss / (double) total);
            results.add("direct B/conn (part of the RSS growth)" + at, kind, direct / (double) total);
            log(String.format(Locale.ROOT, "%s: %d connections held (server says %d): heap +%.0f B/conn, RSS outside heap +%.0f B/conn, direct +%.0f B/conn",
                    kind, total, conns, heap / (double) total, rss / (double) total, direct / (double) total));
            if (conns < total) {
                results.note("Note: " + kind + " held " + conns + " of " + total + " connections at step " + held + ".");
            }
        }
        if (histo0 != null) {
            histograms.append(ClassHistogram.diff(kind, histo0, ClassHistogram.of(servers.get(0).pid()), held));
        }
    }

    /** JIT-compiles the ping path before anything is timed: the server's compiler threads count as its CPU. */
    private void warmUp(String kind, List<Agent> agents) throws Exception {
        log(kind + ": warm-up, 5 s of closed-loop pings on 100 connections per server (not measured)");
        all(agents, a -> a.child.call("blast " + Math.max(1, 100 / o.agentsPerServer) + " 5000", "BLAST", 70_000));
        all(agents, a -> a.child.call("stats", "STATS", 30_000));
    }

    /** Server CPU over {@code --idle-cpu-seconds} while its {@code conns} connections (maybe none) say nothing. */
    private void idleCpu(String kind, List<Server> servers, int conns, String what) throws Exception {
        long c0 = cpu(servers);
        long a0 = appCpu(servers);
        long t0 = System.nanoTime();
        log(kind + ": measuring server CPU, " + what + " (" + conns + " connections), for " + o.idleCpuSeconds + " s");
        Thread.sleep(o.idleCpuSeconds * 1000L);
        double secs = (System.nanoTime() - t0) / 1e9;
        double msPerS = (cpu(servers) - c0) / 1e6 / secs;
        double appMsPerS = (appCpu(servers) - a0) / 1e6 / secs;
        String at = ", " + what + " @" + conns + "/process";
        // CPU seconds per minute is how the performance issue states it (/proc counts 10 ms ticks: ±0.01 s per window).
        results.add("server CPU s/min" + at + " (whole process, utime+stime)" + sumNote(), kind, msPerS * 60 / 1000);
        results.add("server CPU ms/s" + at + " (whole process)" + sumNote(), kind, msPerS);
        results.add("server CPU ms/s" + at + " (server threads, no JIT/GC)" + sumNote(), kind, appMsPerS);
        log(String.format(Locale.ROOT, "%s: server CPU %s: %.1f ms per second = %.3f s/min (%.1f ms/s in server threads)",
                kind, what, msPerS, msPerS * 60 / 1000, appMsPerS));
    }

    private void rates(String kind, List<Server> servers, List<Agent> agents) throws Exception {
        for (int interval : o.pingIntervalsMs) {
            all(agents, a -> a.child.call("rate " + interval, "RATE", 30_000));
            Thread.sleep(Math.min(interval, 2000) + 500L);
            all(agents, a -> a.child.call("stats", "STATS", 30_000)); // drop what came before the window
            long window = Math.max(o.rateWindowSeconds * 1000L, interval);
            long c0 = cpu(servers);
            long a0 = appCpu(servers);
            long t0 = System.nanoTime();
            log(kind + ": every connection pings every " + interval + " ms; measuring " + window / 1000 + " s");
            Thread.sleep(window);
            double secs = (System.nanoTime() - t0) / 1e9;
            double msPerS = (cpu(servers) - c0) / 1e6 / secs;
            double appMsPerS = (appCpu(servers) - a0) / 1e6 / secs;
            List<String> replies = all(agents, a -> a.child.call("stats", "STATS", 30_000));
            all(agents, a -> a.child.call("rate 0", "RATE", 30_000));
            long received = 0;
            Histogram h = Histograms.create();
            for (String r : replies) {
                String[] w = r.split(" ");
                received += Long.parseLong(w[2]);
                h.add(Histograms.decode(w[3]));
            }
            String at = " @" + o.connections + "/process, ping every " + interval / 1000.0 + " s";
            results.add("server CPU ms/s" + at + " (whole process)", kind, msPerS);
            results.add("server CPU ms/s" + at + " (server threads)", kind, appMsPerS);
            results.add("pongs/s" + at, kind, received / secs);
            results.add("ping p99 ms" + at, kind, h.getValueAtPercentile(99) / 1e6);
            log(String.format(Locale.ROOT, "%s: ping every %d ms: server CPU %.1f ms/s, %.0f pongs/s, p99 %.2f ms",
                    kind, interval, msPerS, received / secs, h.getValueAtPercentile(99) / 1e6));
        }
    }

    /**
     * Closed-loop ping/pong from the C load tool (one epoll thread): each connection sends "ping",
     * waits for "pong", sends again. Measured after a 2 s warm-up, while the held connections stay
     * open and idle.
     */
    private void throughput(String kind, List<Server> servers, List<Agent> agents) throws Exception {
        Server s = servers.get(0);
        for (int conns : o.throughputConnections) {
            log(kind + ": closed-loop ping/pong (lineload) on " + conns + " connections for " + o.throughputSeconds + " s");
            Map<String, Double> r = lineload.run(List.of("pingpong", "127.0.0.1", Integer.toString(s.port), Integer.toString(conns),
                    Integer.toString(o.throughputSeconds), "-w", "2"), dir.resolve(kind + "-lineload.log"), o.throughputSeconds * 1000L + 90_000);
            String at = " @" + conns + " conns (lineload)";
            results.add("round trips/s" + at, kind, r.get("round_trips_per_s"));
            results.add("latency p50 ms" + at, kind, r.get("latency_us.p50") / 1e3);
            results.add("latency p99 ms" + at, kind, r.get("latency_us.p99") / 1e3);
            results.add("latency p99.9 ms" + at, kind, r.get("latency_us.p999") / 1e3);
            if (r.get("failed") > 0 || r.get("closed_by_server") > 0 || r.get("bad_lines") > 0) {
                results.note(String.format(Locale.ROOT, "Note: %s pingpong @%d: %.0f failed connects, %.0f closed by the server, %.0f bad lines.",
                        kind, conns, r.get("failed"), r.get("closed_by_server"), r.get("bad_lines")));
            }
            log(String.format(Locale.ROOT, "%s: %d conns: %.0f round trips/s, p50 %.3f p99 %.3f p99.9 %.3f ms", kind, conns,
                    r.get("round_trips_per_s"), r.get("latency_us.p50") / 1e3, r.get("latency_us.p99") / 1e3, r.get("latency_us.p999") / 1e3));
        }
    }

    private void restart(String kind, List<Server> servers, List<Agent> agents) throws Exception {
        Server old = servers.get(0);
        List<Agent> mine = agentsOf(agents, 0);
        long target = o.connections;
        log(kind + ": killing server 0 (SIGKILL) with " + target + " connections; clients reconnect with 100 ms-1 s jittered backoff");
        long tKill = System.nanoTime();
        old.child.kill();
        Server fresh = startServer(kind, 0, o.holdIdleSeconds * 1000L);
        long tReady = System.nanoTime();
        servers.set(0, fresh);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long back = 0;
        long lastLog = 0;
        while (System.nanoTime() < end) {
            back = 0;
            for (String r : all(mine, a -> a.child.call("count", "COUNT", 30_000))) {
                back += Long.parseLong(r.split(" ")[1]);
            }
            if (back >= target) {
                break;
            }
            if (System.nanoTime() - lastLog > 1_000_000_000L) {
                log(kind + ": " + back + "/" + target + " clients back");
                lastLog = System.nanoTime();
            }
            Thread.sleep(20);
        }
        long tBack = System.nanoTime();
        if (back < target) {
            results.note("Note: after the restart of " + kind + " only " + back + " of " + target + " clients came back within 90 s.");
        }
        results.add("restart: all " + target + " clients back, ms after the new server listens", kind, (tBack - tReady) / 1e6);
        results.add("restart: all clients back, ms after the kill (includes JVM start)", kind, (tBack - tKill) / 1e6);
        log(String.format(Locale.ROOT, "%s: %d clients back %.0f ms after the new server listened (%.0f ms after the kill)",
                kind, back, (tBack - tReady) / 1e6, (tBack - tKill) / 1e6));
    }

    /**
     * Close lateness with the C load tool: a fresh server with the short idle time; {@code lineload
     * hold} opens K connections that never send a byte and reports, for each, how long after its
     * connect the server closed it; lateness = that - idle time. One warm-up round first (not
     * reported), then the measured one; then five single connections, each silent alone (the floor
     * without queueing). The agents' held connections are closed first: only these K are on the server.
     */
    private void lateness(String kind, List<Server> servers, List<Agent> agents) throws Exception {
        all(agents, a -> a.child.call("closeall", "CLOSED", 60_000));
        for (Server s : servers) {
            s.child.close();
        }
        servers.clear();
        servers.add(startServer(kind, 0, o.silentIdleMs));
        int port = servers.get(0).port;
        int k = o.silentConnections;
        double idleS = o.silentIdleMs / 1000.0;
        String holdS = Integer.toString(o.silentIdleMs / 1000 + 15);
        Path log = dir.resolve(kind + "-lineload.log");
        Map<String, Double> r = null;
        long closeCpu = 0;
        for (int round = 0; round < 2; round++) {
            log(kind + ": " + k + " connections (lineload hold) open and stay silent; idle time " + o.silentIdleMs + " ms"
                    + (round == 0 ? " (warm-up, not reported)" : ""));
            long cpu0 = cpu(servers);
            r = lineload.run(List.of("hold", "127.0.0.1", Integer.toString(port), Integer.toString(k), holdS), log,
                    (o.silentIdleMs + 60_000L) * 2);
            closeCpu = cpu(servers) - cpu0;
        }
        List<Double> alone = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alone.add(lineload.run(List.of("hold", "127.0.0.1", Integer.toString(port), "1", holdS), log, o.silentIdleMs + 60_000L)
                    .get("close_after_s.max") - idleS);
        }
        alone.sort(null);
        String at = " (" + k + " silent from connect, lineload hold, idle " + idleS + " s)";
        results.add("connections opened" + at, kind, r.get("opened"));
        results.add("connect span s (first to last connect)" + at, kind, r.get("connect_span_s"));
        results.add("close lateness min ms" + at, kind, (r.get("close_after_s.min") - idleS) * 1e3);
        results.add("close lateness p50 ms" + at, kind, (r.get("close_after_s.p50") - idleS) * 1e3);
        results.add("close lateness p99 ms" + at, kind, (r.get("close_after_s.p99") - idleS) * 1e3);
        results.add("close lateness max ms" + at, kind, (r.get("close_after_s.max") - idleS) * 1e3);
        results.add("most closes seen in 100 ms" + at, kind, r.get("closes_max_in_100ms"));
        results.add("close lateness median ms, one connection silent alone (5 tries)", kind, alone.get(2) * 1e3);
        results.add("close lateness max ms, one connection silent alone (5 tries)", kind, alone.get(4) * 1e3);
        results.add("server CPU µs per connection (accept + idle close)" + at, kind, closeCpu / 1e3 / Math.max(1, r.get("closed")));
        results.add("not closed within idle + 15 s (count)" + at, kind, r.get("still_open"));
        if (r.get("close_after_s.min") < idleS - 0.002) { // the client stamps a connect up to its batch time late: 1 ms early is its noise
            results.note(String.format(Locale.ROOT, "Note: %s closed a connection %.1f ms before its idle time.", kind,
                    (idleS - r.get("close_after_s.min")) * 1e3));
        }
        log(String.format(Locale.ROOT, "%s: %.0f of %.0f closed, lateness min %.1f p50 %.1f p99 %.1f max %.1f ms; alone median %.1f ms",
                kind, r.get("closed"), r.get("opened"), (r.get("close_after_s.min") - idleS) * 1e3, (r.get("close_after_s.p50") - idleS) * 1e3,
                (r.get("close_after_s.p99") - idleS) * 1e3, (r.get("close_after_s.max") - idleS) * 1e3, alone.get(2) * 1e3));
    }

    // ------------------------------------------------------------------ helpers

    /** Opens {@code perServer} more connections to each server, split over its agents, 1,000 per command for progress. */
    private void openAll(String kind, List<Server> servers, List<Agent> agents, int perServer, boolean reconnect) throws Exception {
        AtomicLong opened = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long total = (long) perServer * servers.size();
        long t0 = System.nanoTime();
        all(agents, a -> {
            List<Agent> peers = agentsOf(agents, a.server);
            int index = peers.indexOf(a);
            int mine = perServer / peers.size() + (index < perServer % peers.size() ? 1 : 0);
            Server s = servers.get(a.server);
            while (mine > 0) {
                int chunk = Math.min(1000, mine);
                String[] w = a.child.call("open 127.0.0.1 " + s.port + " " + chunk + " " + a.source + (reconnect ? " 1" : " 0"),
                        "OPENED", 300_000).split(" ");
                opened.addAndGet(Long.parseLong(w[1]));
                failed.addAndGet(Long.parseLong(w[2]));
                mine -= chunk;
                log(kind + ": opened " + opened.get() + "/" + total + (failed.get() > 0 ? " (" + failed.get() + " failed)" : ""));
            }
            return "";
        });
        log(String.format(Locale.ROOT, "%s: %d connections opened in %.1f s", kind, opened.get(), (System.nanoTime() - t0) / 1e9));
    }

    private Server startServer(String kind, int index, long idleMs) throws Exception {
        int port = o.basePort + 10 * o.kinds.indexOf(kind) + index;
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--idle-ms", Long.toString(idleMs),
                "--workers", Integer.toString(o.workers), "--max-seconds", Integer.toString(o.maxSeconds),
                "--framing", o.framing));
        Child c = new Child(kind + "-server" + index, jvm(o.serverJvm), classPath.get(kind), MAIN_CLASS.get(baseKind(kind)), args, dir);
        String[] ready = c.await("READY", 60_000).split(" ");
        log(kind + ": server " + index + " listening on " + ready[1] + " (pid " + c.pid() + ", " + ready[3] + ")");
        return new Server(c, Integer.parseInt(ready[1]));
    }

    private List<String> jvm(String options) {
        List<String> l = new ArrayList<>(Arrays.asList(options.trim().split("\\s+")));
        l.add("-Dlogback.configurationFile=" + dir.resolve("logback.xml").toAbsolutePath());
        return l;
    }

    private long cpu(List<Server> servers) throws IOException {
        long t = 0;
        for (Server s : servers) {
            t += ProcStat.cpuNanos(s.pid());
        }
        return t;
    }

    /** CPU figures add up over server processes; the label says so when there are several. */
    private String sumNote() {
        return o.servers > 1 ? ", sum of " + o.servers + " server processes" : "";
    }

    private long appCpu(List<Server> servers) throws IOException {
        long t = 0;
        for (Server s : servers) {
            t += ProcStat.appCpuNanos(s.pid());
        }
        return t;
    }

    private List<Agent> agentsOf(List<Agent> agents, int server) {
        List<Agent> l = new ArrayList<>();
        for (Agent a : agents) {
            if (a.server == server) {
                l.add(a);
            }
        }
        return l;
    }

    /** Does {@code task} for every agent at once and returns their answers in order. */
    private <T> List<String> all(List<T> items, AgentTask<T> task) throws Exception {
        List<Future<String>> fs = new ArrayList<>();
        for (T item : items) {
            Callable<String> c = () -> task.run(item);
            fs.add(pool.submit(c));
        }
        List<String> outList = new ArrayList<>();
        for (Future<String> f : fs) {
            outList.add(f.get());
        }
        return outList;
    }

    @FunctionalInterface
    private interface AgentTask<T> {
        String run(T item) throws Exception;
    }

    private String report() throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("## tether bench, ").append(DateTimeFormatter.ISO_INSTANT.format(Instant.now())).append("\n\n");
        sb.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append(", JDK ")
                .append(System.getProperty("java.vm.version")).append("\n\nOptions: ").append(o).append("\n\n");
        sb.append("Medians over rounds; the ratio column divides by the first server kind measured in the same run. ")
                .append("Server processes: ").append(o.servers).append(o.servers > 1 ? " (figures added up across them)" : "")
                .append(".\n\n");
        sb.append(results.table(o.kinds));
        sb.append(histograms);
        return sb.toString();
    }

    private void log(String line) {
        String s = String.format(Locale.ROOT, "[%6.1fs] %s", (System.nanoTime() - started) / 1e9, line);
        synchronized (out) {
            out.println(s);
            out.flush();
        }
        try {
            Files.writeString(dir.resolve("run.log"), s + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the console still has it
        }
    }

    private static long sum(long[] v) {
        long s = 0;
        for (long x : v) {
            s += x;
        }
        return s;
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }

    /** A bench server process and the port it listens on. */
    private record Server(Child child, int port) {
        long pid() {
            return child.pid();
        }

        /** {heap, direct, connections} after a full GC in the server. */
        long[] stats() throws IOException, InterruptedException {
            Map<String, Long> m = new HashMap<>();
            for (String kv : child.call("stats", "STATS", 60_000).substring(6).split(" ")) {
                String[] p = kv.split("=");
                m.put(p[0], Long.parseLong(p[1]));
            }
            return new long[]{m.get("heap"), m.get("direct"), m.get("conns")};
        }
    }

    /** A client agent process, the server it loads and its source address. */
    private record Agent(Child child, int server, String source) {
    }
}
