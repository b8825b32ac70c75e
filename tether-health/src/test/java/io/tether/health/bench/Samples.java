package io.tether.health.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Latency samples in microseconds; median and p90 by nearest rank. */
final class Samples {
    private final List<Long> micros = new ArrayList<>();

    void add(long nanos) {
        micros.add(nanos / 1000);
    }

    int count() {
        return micros.size();
    }

    long percentile(double p) {
        if (micros.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(micros);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    static String ms(long micros) {
        return micros < 0 ? "-" : String.format("%.2f", micros / 1000.0);
    }
}
