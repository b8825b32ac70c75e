package io.tether.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lab's pure parts, no root needed: JSON lines, options, and that every cell has an expectation. */
class LabModelTest {

    @Test
    void jsonRoundTrip() {
        String line = Json.object("ev", "close", "reason", "PEER_RESET", "detail", "a \"quoted\" thing", "t", 12345L, "gone", true);
        Map<String, String> m = Json.parse(line);
        assertThat(m).containsEntry("ev", "close").containsEntry("detail", "a \"quoted\" thing")
                .containsEntry("t", "12345").containsEntry("gone", "true");
        assertThat(Json.parse("tether listening on 0.0.0.0:7000")).isNull();
    }

    @Test
    void optionsParse() {
        LabOptions o = LabOptions.parse("--quick", "--scenarios", "3,5", "--settings", "keepalive,idle", "--report", "x");
        assertThat(o.quick()).isTrue();
        assertThat(o.scenarios()).containsExactly(Scenario.CABLE_IDLE, Scenario.CABLE_WRITING);
        assertThat(o.settings()).containsExactly(Liveness.KEEPALIVE, Liveness.IDLE);
        assertThatThrownBy(() -> LabOptions.parse("--scenarios", "12")).hasMessageContaining("no scenario 12");
        assertThatThrownBy(() -> LabOptions.parse("--bogus")).hasMessageContaining("unknown option");
    }

    @Test
    void everyCellHasAnExpectationAndDetectedCellsABound() {
        for (Timings t : new Timings[] {Timings.QUICK, Timings.FULL}) {
            for (Scenario s : Scenario.values()) {
                for (Liveness l : Liveness.values()) {
                    Expected e = s.expect(l, t);
                    assertThat(e).as(s + "/" + l).isNotNull();
                    if (e.kind() == Expected.Kind.DETECT) {
                        assertThat(e.reasons()).as(s + "/" + l).isNotEmpty();
                        // A bound must fit in the window, or a correct detection could be cut off.
                        assertThat(e.boundMs() + t.slackMs(e.boundMs())).as(s + "/" + l).isLessThan(t.windowMs());
                    }
                }
            }
        }
    }

    @Test
    void timeoutsOfEachSettingParseAsServerConfig() {
        for (Liveness l : Liveness.values()) {
            Map<String, Object> keys = new java.util.HashMap<>();
            for (String kv : l.serverKeys(Timings.QUICK).split(",")) {
                keys.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            assertThat(io.tether.server.ServerConfig.fromMap(keys)).isNotNull();
        }
    }

    @Test
    void judgeChecksTimeReasonAndCleanup() {
        Timings t = Timings.QUICK;
        long t0 = 1_000_000_000L;
        long end = t0 + t.windowMs() * 1_000_000L;
        String cell = ScenarioRun.cellName(Scenario.CABLE_IDLE, Liveness.KEEPALIVE);
        Map<String, String> state = Map.of("ev", "state", "cell", cell, "count", "0");
        // Detected 2.5 s after the fault, right reason, gone: ok.
        CellResult ok = CellJudge.judge(Scenario.CABLE_IDLE, Liveness.KEEPALIVE, t, t0, end,
                java.util.List.of(close(cell, "KEEPALIVE_TIMEOUT", t0 + 2_500_000_000L, true)), java.util.List.of(), state);
        assertThat(ok.pass()).isTrue();
        assertThat(ok.detectMs()).isEqualTo(2500);
        // Wrong reason, late, not cleaned, before the fault: each fails.
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.KEEPALIVE, t, t0, end,
                java.util.List.of(close(cell, "USER_TIMEOUT", t0 + 2_500_000_000L, true)), java.util.List.of(), state).verdict())
                .contains("wrong reason");
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.KEEPALIVE, t, t0, end,
                java.util.List.of(close(cell, "KEEPALIVE_TIMEOUT", t0 + 4_500_000_000L, true)), java.util.List.of(), state).verdict())
                .contains("late");
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.KEEPALIVE, t, t0, end,
                java.util.List.of(close(cell, "KEEPALIVE_TIMEOUT", t0 + 2_500_000_000L, false)), java.util.List.of(), state).verdict())
                .contains("not cleaned");
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.KEEPALIVE, t, t0, end,
                java.util.List.of(close(cell, "KEEPALIVE_TIMEOUT", t0 - 1, true)), java.util.List.of(), state).verdict())
                .contains("before the fault");
        // No liveness: still held at the end of the window is the expected miss; a close is not.
        String none = ScenarioRun.cellName(Scenario.CABLE_IDLE, Liveness.NONE);
        Map<String, String> held = Map.of("ev", "state", "cell", none, "count", "1");
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.NONE, t, t0, end, java.util.List.of(), java.util.List.of(), held).pass()).isTrue();
        assertThat(CellJudge.judge(Scenario.CABLE_IDLE, Liveness.NONE, t, t0, end,
                java.util.List.of(close(none, "IDLE_TIMEOUT", t0 + 1_000_000_000L, true)), java.util.List.of(), held).pass()).isFalse();
    }

    private static Map<String, String> close(String cell, String reason, long t, boolean gone) {
        return Map.of("ev", "close", "cell", cell, "reason", reason, "t", String.valueOf(t), "silentMs", "10",
                "gone", String.valueOf(gone), "count", gone ? "0" : "1");
    }
}
