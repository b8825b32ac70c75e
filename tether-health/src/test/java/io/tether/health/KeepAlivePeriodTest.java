package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeepAlivePeriodTest {

    @Test
    void halfTheLimitWithinBounds() {
        assertThat(KeepAlivePeriod.forLimit(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
        assertThat(KeepAlivePeriod.forLimit(Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(45));
        assertThat(KeepAlivePeriod.reason(Duration.ofSeconds(2))).isEqualTo("half the limit");
    }

    @Test
    void mysqlDefaultEightHoursIsCappedAtTheCeiling() {
        assertThat(KeepAlivePeriod.forLimit(Duration.ofSeconds(28_800))).isEqualTo(KeepAlivePeriod.MAX);
        assertThat(KeepAlivePeriod.reason(Duration.ofSeconds(28_800))).isEqualTo("half the limit, capped at 60 s");
    }

    @Test
    void noLimitGetsTheCeiling() {
        assertThat(KeepAlivePeriod.forLimit(Duration.ZERO)).isEqualTo(KeepAlivePeriod.MAX);
        assertThat(KeepAlivePeriod.reason(Duration.ZERO)).startsWith("no idle limit");
    }

    @Test
    void subSecondLimitIsRaisedToTheFloor() {
        assertThat(KeepAlivePeriod.forLimit(Duration.ofMillis(300))).isEqualTo(KeepAlivePeriod.MIN);
        assertThat(KeepAlivePeriod.reason(Duration.ofMillis(300))).isEqualTo("half the limit, raised to the 250 ms floor");
    }

    @Test
    void formatsForLogLines() {
        assertThat(KeepAlivePeriod.seconds(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(KeepAlivePeriod.seconds(Duration.ofSeconds(2))).isEqualTo("2 s");
        assertThat(KeepAlivePeriod.seconds(Duration.ofMillis(250))).isEqualTo("250 ms");
    }
}
