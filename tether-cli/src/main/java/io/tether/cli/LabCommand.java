package io.tether.cli;

import io.tether.lab.Lab;
import io.tether.lab.LabOptions;
import io.tether.lab.Liveness;
import io.tether.lab.Scenario;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tether lab}: the network-namespace fault lab (docs/LAB.md). Builds namespaces joined by
 * veth pairs, runs a Tether server and lab peers in them, injects eleven real faults under six
 * liveness settings, prints the detection matrix and writes a report. Needs Linux and root.
 */
@Command(name = "lab", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fault lab: reproduce how long connections die, and measure which liveness layer notices each.",
                "Eleven faults (FIN, RST, pulled cable, DROP, reboot, NAT expiry, zero window, loss, proxy, ICMP) in",
                "network namespaces; for each, how fast and with which close reason (docs/LAB.md). Needs Linux, root,",
                "ip, ss, iptables, socat (tcpdump for --capture). Exit 0 only if every cell passes and nothing is left behind."})
final class LabCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    LogOptions logOptions;

    @Option(names = "--quick", description = "Short timeouts (keepalive 1s+2x1s, user timeout 2s, idle 2s, server ping 1s/1s); about a minute (docs/LAB.md).")
    boolean quick;

    @Option(names = "--report", paramLabel = "DIR", description = "Where report.md, matrix.png and the logs go. Default: lab-report.")
    Path report = Path.of("lab-report");

    @Option(names = "--capture", description = "tcpdump the keepalive probes of scenario 4 into DIR/keepalive.pcap and keepalive.txt.")
    boolean capture;

    @Option(names = "--scenarios", paramLabel = "N,N", description = "Scenario numbers 1-11 (default: all).")
    String scenarios;

    @Option(names = "--settings", paramLabel = "NAME,NAME",
            description = "none, keepalive, keepalive_ut, idle, server_ping, client_ping (default: all).")
    String settings;

    @Option(names = "--parallel", paramLabel = "N", description = "Scenarios run at once, two JVMs each (default: 6).")
    int parallel = LabOptions.defaults().parallel();

    @Override
    public Integer call() {
        List<Scenario> sc = scenarios == null ? List.of(Scenario.values()) : LabOptions.scenarios(scenarios);
        List<Liveness> st = settings == null ? List.of(Liveness.values()) : LabOptions.settings(settings);
        return new Lab(new LabOptions(quick, report, capture, sc, st, parallel), System.out).run();
    }
}
