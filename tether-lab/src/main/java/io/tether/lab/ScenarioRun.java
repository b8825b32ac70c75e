package io.tether.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;

/**
 * One scenario across the liveness settings: its own namespaces, one server JVM hosting one
 * Tether server per setting (a port each), one peer JVM with one connection per setting. All
 * cells of a scenario get the same fault at the same instant.
 */
final class ScenarioRun {
    /** First port; setting i listens on BASE_PORT + i. */
    static final int BASE_PORT = 7000;
    /** JVM start-up on a loaded 2-core box can be slow; this bounds it. */
    static final long START_TIMEOUT_MS = 60_000;

    private final LabState state;
    private final Scenario scenario;
    private final List<Liveness> settings;
    private final Timings t;
    private final Path workDir;
    private final boolean capture;
    private final List<Process> helpers = new ArrayList<>();

    /** Longest wait at the wave's gate for the slowest scenario to be ready. */
    static final long GATE_TIMEOUT_MS = 120_000;

    private final Phaser ready;
    private boolean arrived;

    ScenarioRun(LabState state, Scenario scenario, List<Liveness> settings, Timings t, Path workDir, boolean capture, Phaser ready) {
        this.ready = ready;
        this.state = state;
        this.scenario = scenario;
        this.settings = settings;
        this.t = scenario == Scenario.LOSS ? t.forLoss() : t;
        this.workDir = workDir;
        this.capture = capture;
    }

    static String cellName(Scenario s, Liveness l) {
        return "s" + s.number() + "-" + l.name().toLowerCase(Locale.ROOT);
    }

    static int port(Liveness l) {
        return BASE_PORT + l.ordinal();
    }

    List<CellResult> run() {
        Net net = new Net(state, scenario);
        ChildJvm server = null;
        ChildJvm peer = null;
        try {
            net.build(state, t);
            List<String> cells = new ArrayList<>();
            List<String> serverArgs = new ArrayList<>();
            for (Liveness l : settings) {
                String cell = cellName(scenario, l);
                cells.add(cell);
                serverArgs.addAll(List.of("--cell", cell, String.valueOf(port(l)), String.valueOf(scenario.serverStreams()), l.serverKeys(t)));
            }
            if (capture && scenario == Scenario.DROP && settings.contains(Liveness.KEEPALIVE)) {
                startCapture(net);
            }
            Path log = workDir.resolve("scenario-" + scenario.number() + ".log");
            server = ChildJvm.start(state, net.server, "server-" + scenario.number(), LabServerMain.class.getName(), serverArgs, log);
            long startDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
            for (String cell : cells) {
                need(server.await(e -> is(e, "listening", cell), startDeadline), "server for " + cell + " to listen");
            }
            if (scenario.topology() == Topology.PROXY) {
                startProxies(net);
            }
            List<String> peerArgs = new ArrayList<>();
            if (scenario.peerRcvbuf() > 0) {
                peerArgs.addAll(List.of("--rcvbuf", String.valueOf(scenario.peerRcvbuf())));
            }
            for (Liveness l : settings) {
                peerArgs.addAll(List.of("--conn", cellName(scenario, l), net.dialIp(), String.valueOf(port(l)),
                        l.peerMode(scenario.peerKeepsPinging()).name(), String.valueOf(t.clientEveryMs())));
            }
            peer = ChildJvm.start(state, net.client, "peer-" + scenario.number(), LabPeerMain.class.getName(), peerArgs, log);
            for (String cell : cells) {
                need(peer.await(e -> is(e, "connected", cell), startDeadline), "peer " + cell + " to connect");
                need(server.await(e -> is(e, "connect", cell), startDeadline), "server to accept " + cell);
            }
            // Every cell's server must have heard the peer's first bytes (framing decided) before the
            // warm-up starts; until then, server pings are not armed.
            awaitSpoken(server, cells, startDeadline);
            // A stated period of normal operation, so keepalive probes, pings and pongs have run.
            Faults.sleepMs(t.warmupMs());
            // Wait for the rest of the wave, so no JVM boots while faults are timed.
            arrived = true;
            try {
                ready.awaitAdvanceInterruptibly(ready.arrive(), GATE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                throw new LabException("the other scenarios of this wave were not ready within " + GATE_TIMEOUT_MS + " ms");
            }
            long t0 = new Faults(net, server, peer, cells, t).inject();
            long end = t0 + TimeUnit.MILLISECONDS.toNanos(t.windowMs());
            for (String cell : cells) {
                if (expected(cell).kind() == Expected.Kind.DETECT) {
                    server.await(e -> is(e, "close", cell), end);
                }
            }
            // Cells that should stay open (or be missed) are watched for the whole window.
            boolean anyOpenExpected = settings.stream().anyMatch(l -> scenario.expect(l, t).kind() != Expected.Kind.DETECT);
            if (anyOpenExpected) {
                server.await(e -> false, end);
            }
            String seq = String.valueOf(stateSeq++);
            server.tell("state " + seq);
            long stateDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            List<CellResult> results = new ArrayList<>();
            for (Liveness l : settings) {
                String cell = cellName(scenario, l);
                Map<String, String> st = server.await(e -> is(e, "state", cell) && seq.equals(e.get("seq")), stateDeadline);
                results.add(CellJudge.judge(scenario, l, t, t0, end, server.events(), peer.events(), st));
            }
            return results;
        } catch (LabException e) {
            List<CellResult> failed = new ArrayList<>();
            for (Liveness l : settings) {
                failed.add(new CellResult(scenario, l, scenario.expect(l, t), false, "", -1, -1, false, false,
                        "lab error: " + e.getMessage(), ""));
            }
            return failed;
        } finally {
            if (!arrived) {
                ready.arriveAndDeregister(); // a failed setup must not hold the others at the gate
            }
            for (Process p : helpers) {
                p.destroy(); // SIGTERM: tcpdump flushes its pcap
            }
            for (Process p : helpers) {
                try {
                    p.waitFor(3, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            if (peer != null) {
                peer.kill();
            }
            if (server != null) {
                server.kill();
            }
            state.deleteNamespaces(net.namespaces());
        }
    }

    private int stateSeq = 1;

    private void awaitSpoken(ChildJvm server, List<String> cells, long deadline) {
        while (true) {
            String seq = String.valueOf(stateSeq++);
            server.tell("state " + seq);
            boolean all = true;
            for (String cell : cells) {
                Map<String, String> st = server.await(e -> is(e, "state", cell) && seq.equals(e.get("seq")), deadline);
                need(st, "state of " + cell);
                all &= !"AUTO".equals(st.get("framing")) && !"NONE".equals(st.get("framing"));
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new LabException("the server never heard the first bytes of every cell");
            }
            Faults.sleepMs(20);
        }
    }

    private Expected expected(String cell) {
        for (Liveness l : settings) {
            if (cellName(scenario, l).equals(cell)) {
                return scenario.expect(l, t);
            }
        }
        throw new IllegalArgumentException(cell);
    }

    private void startProxies(Net net) {
        for (Liveness l : settings) {
            int p = port(l);
            startHelper(net.middle, "socat", "TCP-LISTEN:" + p + ",bind=" + net.middleInnerIp + ",reuseaddr,fork",
                    "TCP:" + net.serverIp + ":" + p);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String listening = Sh.run(Sh.inNs(net.middle, "ss", "-ltnH")).out();
            boolean all = true;
            for (Liveness l : settings) {
                all &= listening.contains(net.middleInnerIp + ":" + port(l));
            }
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new LabException("socat proxies did not start listening in " + net.middle);
            }
            Faults.sleepMs(20);
        }
    }

    private void startCapture(Net net) {
        Path pcap = workDir.resolve("keepalive.pcap");
        startHelper(net.server, "tcpdump", "-i", Net.SERVER_IF, "-nn", "-U", "-w", pcap.toString(), "tcp", "port", String.valueOf(port(Liveness.KEEPALIVE)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // tcpdump creates the file once it listens; packets before that would be lost.
        while (!pcap.toFile().exists() && System.nanoTime() < deadline) {
            Faults.sleepMs(20);
        }
    }

    private void startHelper(String ns, String... cmd) {
        try {
            Process p = new ProcessBuilder(Sh.inNs(ns, cmd)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("helpers.log").toFile())).start();
            state.addProcess(p);
            helpers.add(p);
        } catch (java.io.IOException e) {
            throw new LabException("cannot start " + cmd[0] + ": " + e.getMessage());
        }
    }

    private static void need(Map<String, String> e, String what) {
        if (e == null) {
            throw new LabException("timed out waiting for " + what);
        }
    }

    static boolean is(Map<String, String> e, String ev, String cell) {
        return ev.equals(e.get("ev")) && cell.equals(e.get("cell"));
    }
}
