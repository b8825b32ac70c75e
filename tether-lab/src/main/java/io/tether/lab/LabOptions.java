package io.tether.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * What to run: which scenarios and settings, quick or full timings, where to write the report,
 * whether to capture keepalive probes, and how many scenarios run at once.
 */
public record LabOptions(boolean quick, Path reportDir, boolean capture, List<Scenario> scenarios,
                         List<Liveness> settings, int parallel) {

    public static final String USAGE = String.join("\n",
            "usage: tether lab [--quick] [--report DIR] [--capture] [--scenarios 1,3,5] [--settings none,keepalive,...] [--parallel N]",
            "  --quick        short timeouts (keepidle 1s x2, user timeout 2s, idle 2s, pings 1s/1s); under 3 minutes",
            "  --report DIR   write report.md, matrix.png, logs (and keepalive.pcap/.txt with --capture) there",
            "  --capture      tcpdump the keepalive probes of scenario 4 (as the seed article shows them)",
            "  --scenarios    scenario numbers 1-11 (default all)",
            "  --settings     none, keepalive, keepalive_ut, idle, server_ping, client_ping (default all)",
            "  --parallel     scenarios run at once (default 6; each is two JVMs)",
            "Needs Linux, root, ip (iproute2), iptables, socat, ss; tcpdump for --capture.");

    /** The default settings: every scenario, every setting, full timings, report in ./lab-report. */
    public static LabOptions defaults() {
        return new LabOptions(false, Path.of("lab-report"), false, List.of(Scenario.values()), List.of(Liveness.values()), 6);
    }

    public Timings timings() {
        return quick ? Timings.QUICK : Timings.FULL;
    }

    /** Parses command-line words; throws IllegalArgumentException naming the bad one. */
    public static LabOptions parse(String... args) {
        LabOptions o = defaults();
        boolean quick = o.quick;
        Path report = o.reportDir;
        boolean capture = o.capture;
        List<Scenario> scenarios = o.scenarios;
        List<Liveness> settings = o.settings;
        int parallel = o.parallel;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick":
                    quick = true;
                    break;
                case "--capture":
                    capture = true;
                    break;
                case "--report":
                    report = Path.of(value(args, ++i, a));
                    break;
                case "--scenarios":
                    scenarios = scenarios(value(args, ++i, a));
                    break;
                case "--settings":
                    settings = settings(value(args, ++i, a));
                    break;
                case "--parallel":
                    parallel = Integer.parseInt(value(args, ++i, a));
                    if (parallel < 1) {
                        throw new IllegalArgumentException("--parallel must be at least 1");
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new LabOptions(quick, report, capture, scenarios, settings, parallel);
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[i];
    }

    /** "1,3,5" to scenarios. */
    public static List<Scenario> scenarios(String csv) {
        List<Scenario> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            int n = Integer.parseInt(s.trim());
            Scenario found = null;
            for (Scenario sc : Scenario.values()) {
                if (sc.number() == n) {
                    found = sc;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("no scenario " + n + " (1 to " + Scenario.values().length + ")");
            }
            out.add(found);
        }
        return out;
    }

    /** "none,keepalive" to settings. */
    public static List<Liveness> settings(String csv) {
        EnumSet<Liveness> out = EnumSet.noneOf(Liveness.class);
        for (String s : csv.split(",")) {
            try {
                out.add(Liveness.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("no setting " + s + " (none, keepalive, keepalive_ut, idle, server_ping, client_ping)");
            }
        }
        return new ArrayList<>(out);
    }
}
