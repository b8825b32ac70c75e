package io.tether.lab;

import io.tether.core.close.CloseReason;
import java.util.List;
import java.util.Map;

/** Turns one cell's events into a {@link CellResult}: detected in time, with the right reason, cleaned up. */
final class CellJudge {
    private CellJudge() {
    }

    /**
     * The verdict for one cell from the events the server and peer printed: {@code t0} is the
     * fault, {@code end} the end of the observation window, {@code state} the server's count at
     * the end (null if it did not answer).
     */
    static CellResult judge(Scenario scenario, Liveness l, Timings t, long t0, long end, List<Map<String, String>> serverEvents,
                            List<Map<String, String>> peerEvents, Map<String, String> st) {
        String cell = ScenarioRun.cellName(scenario, l);
        Expected exp = scenario.expect(l, t);
        Map<String, String> close = null;
        for (Map<String, String> e : serverEvents) {
            if (ScenarioRun.is(e, "close", cell) && Long.parseLong(e.get("t")) <= end) {
                close = e;
                break;
            }
        }
        String clientSaw = "";
        for (Map<String, String> e : peerEvents) {
            if (ScenarioRun.is(e, "pongtimeout", cell) && Long.parseLong(e.get("t")) >= t0) {
                clientSaw = "no pong for 3 pings, at " + ms(Long.parseLong(e.get("t")) - t0) + " ms";
                break;
            }
        }
        if (close == null) {
            boolean held = st != null && "1".equals(st.get("count"));
            switch (exp.kind()) {
                case DETECT:
                    return new CellResult(scenario, l, exp, false, "", -1, -1, false, false, "FAIL: not detected within the window", clientSaw);
                case MISS:
                    return new CellResult(scenario, l, exp, false, "", -1, -1, held, held, held ? "expected miss" : "FAIL: connection vanished", clientSaw);
                default:
                    return new CellResult(scenario, l, exp, false, "", -1, -1, held, held, held ? "alive" : "FAIL: connection vanished", clientSaw);
            }
        }
        long tc = Long.parseLong(close.get("t"));
        long detect = ms(tc - t0);
        String reason = close.get("reason");
        long silent = Long.parseLong(close.get("silentMs"));
        boolean cleaned = "true".equals(close.get("gone")) && "0".equals(close.get("count"));
        String verdict;
        boolean pass = false;
        if (tc < t0) {
            verdict = "FAIL: closed before the fault (" + reason + ")";
        } else if (exp.kind() == Expected.Kind.ALIVE) {
            verdict = "FAIL: false close";
        } else if (exp.kind() == Expected.Kind.MISS) {
            verdict = "FAIL: closed, expected a miss";
        } else if (!exp.reasons().contains(CloseReason.valueOf(reason))) {
            verdict = "FAIL: wrong reason, expected " + exp.reasonText();
        } else if (detect > exp.boundMs() + t.slackMs(exp.boundMs())) {
            verdict = "FAIL: late";
        } else if (!cleaned) {
            verdict = "FAIL: state not cleaned";
        } else {
            verdict = "ok";
            pass = true;
        }
        return new CellResult(scenario, l, exp, true, reason, detect, silent, cleaned, pass, verdict, clientSaw);
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1e6);
    }
}
