package io.tether.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/** Writes report.md (matrix, per-cell details, how each fault is made) and matrix.png. */
final class Report {
    private Report() {
    }

    static void write(LabOptions o, List<CellResult> results, Timings t, long elapsedMs, List<String> leftovers) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Tether fault lab report\n\n");
        md.append(String.format(Locale.ROOT, "%s timings; %d cells; %d pass, %d fail; run took %.1f s; kernel %s.%n%n",
                o.quick() ? "Quick" : "Full", results.size(), results.stream().filter(CellResult::pass).count(),
                results.stream().filter(c -> !c.pass()).count(), elapsedMs / 1000.0, kernel()));
        md.append("Cleanup: ").append(leftovers.isEmpty() ? "no lab namespaces, veths or rules left." : "LEFT " + leftovers).append("\n\n");
        md.append("## Matrix\n\nDetection time from the fault to the server's close event, and the close reason the server gave.\n\n");
        md.append("| scenario |");
        for (Liveness l : o.settings()) {
            md.append(' ').append(l.label()).append(" |");
        }
        md.append("\n|---|");
        md.append("---|".repeat(o.settings().size())).append('\n');
        for (Scenario s : Scenario.values()) {
            if (Matrix.find(results, s, o.settings().get(0)) == null) {
                continue;
            }
            md.append("| ").append(s.number()).append(' ').append(s.title()).append(" |");
            for (Liveness l : o.settings()) {
                CellResult c = Matrix.find(results, s, l);
                md.append(' ').append(c == null ? "" : Matrix.cell(c)).append(" |");
            }
            md.append('\n');
        }
        if (Chart.write(results, t, o.reportDir().resolve("matrix.png"))) {
            md.append("\n![detection times against bounds](matrix.png)\n");
        }
        md.append("\n## Settings\n\n| setting | server keys | promise |\n|---|---|---|\n");
        for (Liveness l : o.settings()) {
            md.append("| ").append(l.label()).append(" | `").append(l.serverKeys(t)).append("` | ").append(l.promise(t)).append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%nSlack on every bound: %d ms + %d%% (a shared 2-core machine). Observation window: %d ms after the fault."
                + " Warm-up before the fault: %d ms.%n", t.toleranceMs(), t.tolerancePct(), t.windowMs(), t.warmupMs()));
        Timings loss = t.forLoss();
        md.append(String.format(Locale.ROOT, "%nScenario 9 (30%% loss) uses production-like timings in every mode: keepalive %ds + %d x %ds,"
                + " user timeout %d ms, idle %d ms, server ping %d ms + %d ms, peer pings every %d ms, window %d ms. Timeouts of 2 s are"
                + " shorter than TCP's recovery from four losses in a row (3 s of backoff).%n", loss.keepIdleS(), loss.keepCount(),
                loss.keepIntervalS(), loss.userTimeoutMs(), loss.idleMs(), loss.serverPingMs(), loss.serverPingTimeoutMs(),
                loss.clientEveryMs(), loss.windowMs()));
        md.append("\n## Cells\n\n| # | scenario | setting | expected | limit ms | detected ms | reason | silentFor ms | state cleaned | client saw | verdict |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (CellResult c : results) {
            String expected = c.expected().kind() == Expected.Kind.DETECT ? c.expected().reasonText()
                    : c.expected().kind().name().toLowerCase(Locale.ROOT) + ": " + c.expected().note();
            String cleaned = c.closed() ? (c.cleaned() ? "yes (gone, count 0)" : "NO") : (c.cleaned() ? "held by server" : "not held");
            md.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", c.scenario().number(),
                    c.scenario().title(), c.liveness().label(), expected, c.limitMs(t) > 0 ? String.valueOf(c.limitMs(t)) : "-",
                    c.closed() ? String.valueOf(c.detectMs()) : "-", c.closed() ? c.reason() : "-",
                    c.closed() ? String.valueOf(c.silentMs()) : "-", cleaned, c.clientSaw().isEmpty() ? "-" : c.clientSaw(),
                    c.verdict()));
        }
        md.append("\n## How each fault is made\n\n");
        for (Scenario s : Scenario.values()) {
            md.append(s.number()).append(". **").append(s.title()).append("**: ").append(s.how()).append('\n');
        }
        Files.writeString(o.reportDir().resolve("report.md"), md.toString());
    }

    private static String kernel() {
        return Sh.run("uname", "-r").out();
    }
}
