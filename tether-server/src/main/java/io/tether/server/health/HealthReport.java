package io.tether.server.health;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The combined result of every registered check, as a {@code pong} reports it. */
public record HealthReport(Map<String, HealthResult> results, long checkedAtNanos) {

    public HealthReport {
        results = Map.copyOf(results);
    }

    public boolean healthy() {
        return results.values().stream().allMatch(HealthResult::healthy);
    }

    /** Names of failed checks, sorted, e.g. {@code [mysql, redis]}. */
    public List<String> failed() {
        return results.entrySet().stream().filter(e -> !e.getValue().healthy()).map(Map.Entry::getKey).sorted()
                .collect(Collectors.toList());
    }

    /** What follows {@code pong}: empty when healthy, else {@code unhealthy redis,mysql}. */
    public String pongSuffix() {
        return healthy() ? "" : "unhealthy " + String.join(",", failed());
    }
}
