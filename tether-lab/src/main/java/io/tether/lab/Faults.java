package io.tether.lab;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Injects each scenario's fault and returns the moment it took effect ({@link System#nanoTime()},
 * which on Linux is CLOCK_MONOTONIC and so comparable with the child JVMs' timestamps).
 */
final class Faults {
    /** Longest wait for any condition inside a fault step (a process to exit, a buffer to fill). */
    static final long STEP_TIMEOUT_MS = 5000;

    private final Net net;
    private final ChildJvm server;
    private final ChildJvm peer;
    private final List<String> cells;
    private final Timings t;

    Faults(Net net, ChildJvm server, ChildJvm peer, List<String> cells, Timings t) {
        this.net = net;
        this.server = server;
        this.peer = peer;
        this.cells = cells;
        this.t = t;
    }

    long inject() {
        switch (net.scenario) {
            case FIN: {
                // Stamped before asking: the peer's FIN can reach the server before this thread runs again.
                long t0 = System.nanoTime();
                peer.tell("close");
                return t0;
            }
            case RST:
                return killWithUnreadData();
            case CABLE_IDLE:
            case CABLE_WRITING:
            case PROXY:
                Sh.must(Sh.inNs(net.client, "ip", "link", "set", Net.CLIENT_IF, "down"));
                return System.nanoTime();
            case DROP:
                Sh.must(Sh.inNs(net.server, "iptables", "-A", "INPUT", "-p", "tcp", "-s", net.clientIp, "-j", "DROP"));
                return System.nanoTime();
            case REBOOT:
                return reboot();
            case NAT_EXPIRY:
                return forgetFlows();
            case ZERO_WINDOW:
                signal("STOP");
                return System.nanoTime();
            case LOSS:
                for (String chain : List.of("INPUT", "OUTPUT")) {
                    Sh.must(Sh.inNs(net.client, "iptables", "-A", chain, "-p", "tcp", "-m", "statistic", "--mode", "random",
                            "--probability", "0.3", "-j", "DROP"));
                }
                return System.nanoTime();
            case ICMP:
                Sh.must(Sh.inNs(net.client, "iptables", "-A", "OUTPUT", "-p", "tcp", "-j", "DROP"));
                Sh.must(Sh.inNs(net.client, "iptables", "-A", "INPUT", "-p", "tcp", "-j", "REJECT", "--reject-with", "icmp-host-unreachable"));
                return System.nanoTime();
            default:
                throw new LabException("no fault for " + net.scenario);
        }
    }

    /** Frozen peer, a message it never reads, then SIGKILL: the kernel resets a socket with unread data. */
    private long killWithUnreadData() {
        signal("STOP");
        long deadline = deadline();
        for (String cell : cells) {
            server.tell("send " + cell + " unread");
        }
        for (String cell : cells) {
            if (server.await(e -> "sent".equals(e.get("ev")) && cell.equals(e.get("cell")), deadline) == null) {
                throw new LabException("server did not send to " + cell);
            }
        }
        try {
            waitFor(() -> clientSocketsWithUnread() >= cells.size(), "unread data in the client's sockets");
        } catch (LabException e) {
            throw new LabException(e.getMessage() + "; ss says: " + Sh.run(Sh.inNs(net.client, "ss", "-tn")).out());
        }
        long t0 = System.nanoTime(); // the RST leaves as the process dies, before kill(1) even returns
        signal("KILL");
        waitFor(() -> !peer.process().isAlive(), "the killed peer to exit");
        return t0;
    }

    /** Host off: nothing in or out; its TCP state destroyed; back on after the reboot time. */
    private long reboot() {
        Sh.must(Sh.inNs(net.client, "iptables", "-A", "INPUT", "-j", "DROP"));
        Sh.must(Sh.inNs(net.client, "iptables", "-A", "OUTPUT", "-j", "DROP"));
        long t0 = System.nanoTime();
        Sh.must(Sh.inNs(net.client, "ss", "-tK", "dst", net.dialIp()));
        signal("KILL");
        waitFor(() -> !peer.process().isAlive(), "the peer to exit");
        waitFor(() -> Sh.run(Sh.inNs(net.client, "ss", "-tanH")).out().isBlank(), "the client's TCP state to be gone");
        long back = t0 + TimeUnit.MILLISECONDS.toNanos(t.rebootMs());
        while (System.nanoTime() < back) {
            sleepMs(Math.max(1, (back - System.nanoTime()) / 1_000_000));
        }
        Sh.must(Sh.inNs(net.client, "iptables", "-F", "INPUT"));
        Sh.must(Sh.inNs(net.client, "iptables", "-F", "OUTPUT"));
        return t0;
    }

    /** Blackhole the flows ahead of conntrack until the middlebox has forgotten them, then lift it. */
    private long forgetFlows() {
        Sh.must(Sh.inNs(net.middle, "iptables", "-t", "raw", "-A", "PREROUTING", "-p", "tcp", "-j", "DROP"));
        long t0 = System.nanoTime();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(t.natTimeoutS() + 5L);
        if (!Sh.run(Sh.inNs(net.middle, "test", "-r", "/proc/net/nf_conntrack")).ok()) {
            // No conntrack procfs in this kernel: wait out the timeout plus a second instead.
            sleepMs(t.natTimeoutS() * 1000L + 1000);
        }
        while (conntrackTcpEntries() > 0) {
            if (System.nanoTime() > until) {
                throw new LabException("the middlebox's conntrack entries did not expire within " + (t.natTimeoutS() + 5) + " s");
            }
            sleepMs(50);
        }
        Sh.must(Sh.inNs(net.middle, "iptables", "-t", "raw", "-D", "PREROUTING", "-p", "tcp", "-j", "DROP"));
        return t0;
    }

    private int conntrackTcpEntries() {
        Sh.Result r = Sh.run(Sh.inNs(net.middle, "cat", "/proc/net/nf_conntrack"));
        int n = 0;
        for (String line : r.out().split("\n")) {
            if (line.contains(" tcp ")) {
                n++;
            }
        }
        return n;
    }

    private int clientSocketsWithUnread() {
        int n = 0;
        for (String line : Sh.run(Sh.inNs(net.client, "ss", "-tnH", "state", "established")).out().split("\n")) {
            // Recv-Q is the first number (ss drops the State column when a state filter is given).
            for (String f : line.trim().split("\\s+")) {
                if (f.matches("\\d+")) {
                    if (Integer.parseInt(f) > 0) {
                        n++;
                    }
                    break;
                }
            }
        }
        return n;
    }

    private void signal(String sig) {
        // The shell's builtin kill: Java cannot send SIGSTOP, and /bin/kill (procps) may be missing.
        Sh.must("sh", "-c", "kill -" + sig + " " + peer.pid());
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STEP_TIMEOUT_MS);
    }

    private static void waitFor(java.util.function.BooleanSupplier cond, String what) {
        long deadline = deadline();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new LabException("timed out after " + STEP_TIMEOUT_MS + " ms waiting for " + what);
            }
            sleepMs(20);
        }
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
