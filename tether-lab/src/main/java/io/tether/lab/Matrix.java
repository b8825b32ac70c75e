package io.tether.lab;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** The scenario x setting matrix as text, for the terminal and the report. */
public final class Matrix {
    static final int FIRST = 34;
    static final int CELL = 22;

    private Matrix() {
    }

    /** Short name of a close reason for a matrix cell. */
    static String shortReason(String reason) {
        switch (reason) {
            case "PEER_CLOSED": return "FIN";
            case "PEER_RESET": return "RST";
            case "IDLE_TIMEOUT": return "idle";
            case "KEEPALIVE_TIMEOUT": return "keepalive";
            case "USER_TIMEOUT": return "user-timeout";
            case "PING_TIMEOUT": return "ping-timeout";
            case "UNREACHABLE": return "unreachable";
            default: return reason.toLowerCase(Locale.ROOT);
        }
    }

    /** One cell's text: mark, detection time, reason; or miss / alive. */
    static String cell(CellResult c) {
        String mark = c.pass() ? "ok" : "FAIL";
        if (c.closed()) {
            return String.format(Locale.ROOT, "%s %.2fs %s", mark, c.detectMs() / 1000.0, shortReason(c.reason()));
        }
        switch (c.expected().kind()) {
            case MISS:
                return c.pass() ? "-- miss (expected)" : "FAIL " + c.verdict();
            case ALIVE:
                return c.pass() ? "ok alive" : "FAIL " + c.verdict();
            default:
                return "FAIL not detected";
        }
    }

    static CellResult find(List<CellResult> results, Scenario s, Liveness l) {
        for (CellResult c : results) {
            if (c.scenario() == s && c.liveness() == l) {
                return c;
            }
        }
        return null;
    }

    /** Prints the matrix, then one line per failed cell. */
    public static void print(PrintStream out, List<CellResult> results, List<Liveness> settings, Timings t) {
        StringBuilder head = new StringBuilder(pad("scenario \\ setting", FIRST));
        for (Liveness l : settings) {
            head.append(pad(l.label(), CELL));
        }
        out.println();
        out.println(head.toString().stripTrailing());
        out.println("-".repeat(head.length()));
        for (Scenario s : Scenario.values()) {
            if (find(results, s, settings.get(0)) == null) {
                continue;
            }
            StringBuilder row = new StringBuilder(pad(s.number() + " " + s.title(), FIRST));
            for (Liveness l : settings) {
                CellResult c = find(results, s, l);
                row.append(pad(c == null ? "" : cell(c), CELL));
            }
            out.println(row.toString().stripTrailing());
        }
        out.println();
        out.printf(Locale.ROOT, "bounds: keepalive %.1fs (idle + count x interval); keepalive+UT %.1fs idle, %.1fs with data in flight"
                        + " (UT + UT/2: the kernel checks UT when its backed-off timer fires); idle deadline %.1fs; server ping %.1fs;"
                        + " client ping %.1fs; FIN/RST immediate%n",
                t.keepaliveBoundMs() / 1000.0, t.keepaliveBoundMs() / 1000.0, (t.userTimeoutMs() + t.rtoStepAllowanceMs()) / 1000.0,
                t.idleMs() / 1000.0, (t.serverPingMs() + t.serverPingTimeoutMs()) / 1000.0, t.idleMs() / 1000.0);
        out.println("times: from the fault to the server's close event; bound per cell = the setting's promise + "
                + t.toleranceMs() + " ms + " + t.tolerancePct() + "%; '-- miss (expected)': the layer cannot see this by design,"
                + " the server still holds the connection after the " + t.windowMs() / 1000.0 + " s window (scenario 9: at least 20 s, with production-like timeouts)");
        for (CellResult c : results) {
            if (!c.pass()) {
                out.printf("FAIL %d %s / %s: %s (expected %s%s; got %s %s)%n", c.scenario().number(), c.scenario().title(),
                        c.liveness().label(), c.verdict(), c.expected().kind().name().toLowerCase(Locale.ROOT),
                        c.expected().kind() == Expected.Kind.DETECT ? " " + c.expected().reasonText() + " within " + c.limitMs(t) + " ms" : "",
                        c.closed() ? c.reason() : "no close", c.closed() ? "after " + c.detectMs() + " ms" : "");
            }
        }
    }

    static String pad(String s, int w) {
        return s.length() >= w ? s.substring(0, w - 1) + " " : s + " ".repeat(w - s.length());
    }
}
