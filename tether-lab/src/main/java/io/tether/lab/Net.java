package io.tether.lab;

import java.util.List;

/**
 * One scenario's namespaces and addresses. Scenario n uses 10.(200+n).1.0/24 between the server
 * and the next hop and 10.(200+n).2.0/24 between a middlebox and the client; these addresses exist
 * only inside the lab's own namespaces.
 */
final class Net {
    static final String SERVER_IF = "vs";
    static final String CLIENT_IF = "vc";

    final Scenario scenario;
    final String server;
    final String client;
    final String middle;
    final String serverIp;
    final String clientIp;
    final String middleOuterIp;
    final String middleInnerIp;

    Net(LabState state, Scenario s) {
        scenario = s;
        int n = s.number();
        server = state.ns('s', n);
        client = state.ns('c', n);
        middle = s.topology() == Topology.DIRECT ? null : state.ns('m', n);
        String base = "10." + (200 + n) + ".";
        serverIp = base + "1.1";
        middleOuterIp = base + "1.2";
        middleInnerIp = base + "2.1";
        clientIp = middle == null ? base + "1.2" : base + "2.2";
    }

    List<String> namespaces() {
        return middle == null ? List.of(server, client) : List.of(server, middle, client);
    }

    /** Where the peer dials: the server, or the proxy in front of it. */
    String dialIp() {
        return scenario.topology() == Topology.PROXY ? middleInnerIp : serverIp;
    }

    /** Builds the namespaces, veths, addresses, routes and the middlebox's NAT if any. */
    void build(LabState state, Timings t) {
        for (String ns : namespaces()) {
            state.addNamespace(ns);
        }
        if (middle == null) {
            veth(server, SERVER_IF, serverIp, client, CLIENT_IF, clientIp);
            return;
        }
        veth(server, SERVER_IF, serverIp, middle, "vm1", middleOuterIp);
        veth(middle, "vm2", middleInnerIp, client, CLIENT_IF, clientIp);
        if (scenario.topology() == Topology.NAT) {
            Sh.must(Sh.inNs(client, "ip", "route", "add", "default", "via", middleInnerIp));
            sysctl(middle, "net/ipv4/ip_forward", "1");
            Sh.must(Sh.inNs(middle, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "vm1", "-j", "MASQUERADE"));
            // A middlebox that forgets: short established timeout, and no picking up a flow mid-stream
            // (tcp_loose=0), so a segment of a forgotten flow is INVALID and dropped.
            Sh.must(Sh.inNs(middle, "iptables", "-t", "mangle", "-A", "PREROUTING", "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"));
            sysctl(middle, "net/netfilter/nf_conntrack_tcp_timeout_established", String.valueOf(t.natTimeoutS()));
            sysctl(middle, "net/netfilter/nf_conntrack_tcp_loose", "0");
        }
    }

    /** Writes a per-namespace sysctl through /proc (no procps needed). */
    private static void sysctl(String ns, String key, String value) {
        Sh.must(Sh.inNs(ns, "sh", "-c", "echo " + value + " > /proc/sys/" + key));
    }

    private static void veth(String nsA, String ifA, String ipA, String nsB, String ifB, String ipB) {
        Sh.must("ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        Sh.must(Sh.inNs(nsA, "ip", "addr", "add", ipA + "/24", "dev", ifA));
        Sh.must(Sh.inNs(nsB, "ip", "addr", "add", ipB + "/24", "dev", ifB));
        Sh.must(Sh.inNs(nsA, "ip", "link", "set", ifA, "up"));
        Sh.must(Sh.inNs(nsB, "ip", "link", "set", ifB, "up"));
    }
}
