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
}
