package io.tether.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything one lab run created that must go away: child processes and network namespaces.
 * Veth pairs and iptables rules live only inside those namespaces (nothing is added to the
 * host's own namespace), so deleting the namespaces removes them too. {@link #cleanup()} runs at
 * the end, from a shutdown hook on Ctrl-C, and {@link #sweepLeftovers()} at the start removes what
 * a killed run (SIGKILL, power loss) left behind.
 */
public final class LabState {
    /** Namespace names: {@code tlab<pid>-<role><scenario>}, e.g. tlab4711-s3; the pid tells whose. */
    static final Pattern OURS = Pattern.compile("^tlab(\\d+)-[a-z]\\d+$");

    private final String prefix = "tlab" + ProcessHandle.current().pid() + "-";
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private boolean cleaned;

    /** The namespace name for {@code role} (s server, c client, m middle) of scenario {@code n}. */
    public String ns(char role, int n) {
        return prefix + role + n;
    }

    /** Creates a namespace and remembers it for cleanup. */
    public synchronized void addNamespace(String name) {
        // Under the lock, so a cleanup racing with a scenario's setup (Ctrl-C mid-build) either sees
        // this namespace in its snapshot or makes this call fail: none can be created after it.
        if (cleaned) {
            throw new LabException("lab is shutting down");
        }
        namespaces.add(name);
        Sh.must("ip", "netns", "add", name);
        Sh.must(Sh.inNs(name, "ip", "link", "set", "lo", "up"));
    }

    public synchronized void addProcess(Process p) {
        if (cleaned) {
            p.destroyForcibly();
            throw new LabException("lab is shutting down");
        }
        processes.add(p);
    }

    /** Kills this run's processes and deletes its namespaces; safe to call more than once. */
    public void cleanup() {
        List<Process> ps;
        List<String> nss;
        synchronized (this) {
            if (cleaned) {
                return;
            }
            cleaned = true;
            ps = new ArrayList<>(processes);
            nss = new ArrayList<>(namespaces);
        }
        for (Process p : ps) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : nss) {
            deleteNamespace(ns);
        }
    }

    /** Deletes one scenario's namespaces early (the run goes on with the others). */
    public void deleteNamespaces(List<String> names) {
        for (String ns : names) {
            deleteNamespace(ns);
        }
    }

    /** Kills whatever still runs inside {@code ns}, then deletes it (with its veths and rules). */
    static void deleteNamespace(String ns) {
        Sh.Result pids = Sh.run("ip", "netns", "pids", ns);
        if (pids.ok()) {
            for (String pid : pids.out().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        Sh.run("ip", "netns", "del", ns);
    }

    /** Our namespaces (any run's) that exist now. */
    public static List<String> existingLabNamespaces() {
        List<String> out = new ArrayList<>();
        Sh.Result r = Sh.run("ip", "netns", "list");
        if (!r.ok()) {
            return out;
        }
        for (String line : r.out().split("\n")) {
            String name = line.trim().split("\\s+")[0];
            if (OURS.matcher(name).matches()) {
                out.add(name);
            }
        }
        return out;
    }

    /** Deletes namespaces left by lab runs whose process is gone; returns their names. */
    public static List<String> sweepLeftovers() {
        List<String> swept = new ArrayList<>();
        for (String name : existingLabNamespaces()) {
            Matcher m = OURS.matcher(name);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                continue; // a lab run that is still going
            }
            deleteNamespace(name);
            swept.add(name);
        }
        return swept;
    }

    /** This run's namespaces that still exist (after cleanup: must be none). */
    public List<String> leftovers() {
        String mine = prefix;
        List<String> out = new ArrayList<>();
        for (String n : existingLabNamespaces()) {
            if (n.startsWith(mine)) {
                out.add(n);
            }
        }
        return out;
    }
}
