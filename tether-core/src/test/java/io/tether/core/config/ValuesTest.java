package io.tether.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValuesTest {
    @Test
    void durationsAcceptSecondsAndUnits() {
        assertThat(Values.duration("k", 5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(Values.duration("k", "5")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Values.duration("k", "5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Values.duration("k", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Values.duration("k", "1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Values.duration("k", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Values.duration("k", 0.25)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void badValuesNameTheKeyAndWhatIsAllowed() {
        assertThatThrownBy(() -> Values.duration("heartbeat_idle_time", "5x"))
                .hasMessage("heartbeat_idle_time: '5x' is not a duration; use a number of seconds (5, 1.5) or 500ms, 5s, 2m, 1h");
        assertThatThrownBy(() -> Values.integer("port", "70000", 0, 65535))
                .hasMessage("port: 70000 is out of range; allowed 0 to 65535");
        assertThatThrownBy(() -> Values.bool("open_tcp_keepalive", "maybe"))
                .hasMessage("open_tcp_keepalive: 'maybe' is not a boolean; use true/false (or 1/0)");
        assertThatThrownBy(() -> Values.oneOf("framing", "xml", "auto", "line"))
                .hasMessage("framing: 'xml' is not allowed; use one of auto, line");
    }

    @Test
    void sizesAcceptSuffixes() {
        assertThat(Values.size("k", "2M", 0, Long.MAX_VALUE)).isEqualTo(2 * 1024 * 1024);
        assertThat(Values.size("k", "64k", 0, Long.MAX_VALUE)).isEqualTo(65536);
        assertThat(Values.size("k", 1024, 0, Long.MAX_VALUE)).isEqualTo(1024);
    }
}
