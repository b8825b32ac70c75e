package io.tether.lab;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that this machine can run the lab and says exactly what is missing: Linux, root,
 * {@code ip} (iproute2), {@code iptables}, {@code socat} (the proxy scenario), {@code tcpdump}
 * (only for --capture), and that a network namespace can actually be created.
 */
public final class Preflight {
    private Preflight() {
    }

    /** The problems found; empty when the lab can run. */
    public static List<String> problems(boolean capture, String probeNs) {
        List<String> missing = new ArrayList<>();
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            missing.add("not Linux (" + System.getProperty("os.name") + "): the lab needs Linux network namespaces");
            return missing;
        }
        if (!isRoot()) {
            missing.add("not root: creating network namespaces, veth pairs and iptables rules needs root (run with sudo)");
        }
        tool(missing, "ip", "iproute2");
        tool(missing, "iptables", "iptables");
        tool(missing, "socat", "socat (scenario 10, the TCP proxy)");
        tool(missing, "ss", "iproute2 (ss)");
        if (capture) {
            tool(missing, "tcpdump", "tcpdump (--capture)");
        }
        if (missing.isEmpty()) {
            Sh.Result add = Sh.run("ip", "netns", "add", probeNs);
            if (!add.ok()) {
                missing.add("cannot create a network namespace (ip netns add): " + add.out());
            } else {
                Sh.Result ipt = Sh.run(Sh.inNs(probeNs, "iptables", "-S"));
                if (!ipt.ok()) {
                    missing.add("iptables does not work inside a namespace: " + ipt.out());
                }
                Sh.run("ip", "netns", "del", probeNs);
            }
        }
        return missing;
    }

    private static void tool(List<String> missing, String name, String pkg) {
        if (!Sh.onPath(name)) {
            missing.add("no `" + name + "` on PATH: install " + pkg);
        }
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (java.io.IOException e) {
            return false;
        }
        return false;
    }
}
