package io.tether.core.backoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000L;

    @Test
    void noJitterGrowsByMultiplierUpToMax() {
        Backoff b = Backoff.builder().initial(Duration.ofMillis(100)).max(Duration.ofMillis(1000)).multiplier(2)
                .jitter(Backoff.Jitter.NONE).build();
        Backoff.Sequence s = b.start();
        long[] got = new long[6];
        for (int i = 0; i < got.length; i++) {
            got[i] = s.nextDelayNanos() / MS;
        }
        assertThat(got).containsExactly(100, 200, 400, 800, 1000, 1000);
    }

    @Test
    void fullJitterStaysWithinZeroAndCeiling() {
        Backoff b = Backoff.builder().initial(Duration.ofMillis(100)).max(Duration.ofMillis(1600)).build();
        SplittableRandom r = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            Backoff.Sequence s = b.start(r);
            for (int attempt = 1; attempt <= 10; attempt++) {
                long d = s.nextDelayNanos();
                assertThat(d).isBetween(0L, b.ceilingNanos(attempt));
                assertThat(b.ceilingNanos(attempt)).isLessThanOrEqualTo(1600 * MS);
            }
        }
    }

    @Test
    void fullJitterIsUniformOverTheWindow() {
        // 100,000 first-attempt delays in 10 equal buckets of [0, 1 s]: each should hold 10%.
        // Binomial sd per bucket is sqrt(1e5*0.1*0.9) = 95, so +-1,000 (10 sd) never fails by chance
        // with a fixed seed anyway; it catches a skewed or clipped distribution.
        Backoff b = Backoff.builder().initial(Duration.ofSeconds(1)).build();
        SplittableRandom r = new SplittableRandom(7);
        int[] buckets = new int[10];
        for (int i = 0; i < 100_000; i++) {
            long d = b.start(r).nextDelayNanos();
            buckets[(int) Math.min(9, d / (100 * MS))]++;
        }
        for (int count : buckets) {
            assertThat(count).isBetween(9_000, 11_000);
        }
    }

    @Test
    void decorrelatedJitterStaysBetweenInitialAndMax() {
        Backoff b = Backoff.builder().initial(Duration.ofMillis(100)).max(Duration.ofSeconds(2))
                .jitter(Backoff.Jitter.DECORRELATED).build();
        SplittableRandom r = new SplittableRandom(1);
        long sawMax = 0;
        for (int run = 0; run < 100; run++) {
            Backoff.Sequence s = b.start(r);
            long prev = 100 * MS;
            for (int attempt = 1; attempt <= 20; attempt++) {
                long d = s.nextDelayNanos();
                assertThat(d).isBetween(100 * MS, Math.min(2000 * MS, prev * 3));
                prev = d;
                sawMax = Math.max(sawMax, d);
            }
        }
        assertThat(sawMax).as("delays grow towards the cap").isGreaterThan(1500 * MS);
    }

    @Test
    void maxAttemptsEndsTheSequence() {
        Backoff.Sequence s = Backoff.builder().maxAttempts(3).build().start();
        assertThat(s.nextDelay()).isNotNull();
        assertThat(s.nextDelay()).isNotNull();
        assertThat(s.exhausted()).isFalse();
        assertThat(s.nextDelay()).isNotNull();
        assertThat(s.exhausted()).isTrue();
        assertThat(s.nextDelayNanos()).isEqualTo(-1);
        assertThat(s.nextDelay()).isNull();
        assertThat(s.attempts()).isEqualTo(3);
    }

    @Test
    void unlimitedByDefault() {
        Backoff.Sequence s = Backoff.defaults().start();
        for (int i = 0; i < 10_000; i++) {
            assertThat(s.nextDelayNanos()).isBetween(0L, 30_000 * MS);
        }
        assertThat(s.exhausted()).isFalse();
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> Backoff.builder().initial(Duration.ZERO).build()).hasMessageContaining("initial must be > 0");
        assertThatThrownBy(() -> Backoff.builder().initial(Duration.ofSeconds(5)).max(Duration.ofSeconds(1)).build())
                .hasMessageContaining("must be >= initial");
        assertThatThrownBy(() -> Backoff.builder().multiplier(0.5).build()).hasMessageContaining("multiplier");
        assertThatThrownBy(() -> Backoff.builder().maxAttempts(-1).build()).hasMessageContaining("maxAttempts");
    }

    @Test
    void withoutJitterEveryClientPicksTheSameMoment() {
        // Why jitter: 2,000 clients losing their server together. Fullest 100 ms bucket of their
        // first retry: all of them without jitter, about 1/20 with full jitter over 2 s.
        Backoff none = Backoff.builder().initial(Duration.ofSeconds(2)).jitter(Backoff.Jitter.NONE).build();
        Backoff full = Backoff.builder().initial(Duration.ofSeconds(2)).build();
        SplittableRandom r = new SplittableRandom(3);
        assertThat(fullestBucket(none, r)).isEqualTo(2000);
        assertThat(fullestBucket(full, r)).as("fair share 100 of 2,000; bound 150").isLessThanOrEqualTo(150);
    }

    private static int fullestBucket(Backoff b, SplittableRandom r) {
        int[] buckets = new int[21];
        for (int i = 0; i < 2000; i++) {
            buckets[(int) (b.start(r).nextDelayNanos() / (100 * MS))]++;
        }
        return java.util.Arrays.stream(buckets).max().orElse(0);
    }
}
