package io.tether.server.health;

/** The outcome of one {@link HealthCheck}: healthy, or not and why. */
public record HealthResult(boolean healthy, String detail) {
    private static final HealthResult HEALTHY = new HealthResult(true, "");

    public HealthResult {
        detail = detail == null ? "" : detail;
    }

    public static HealthResult ok() {
        return HEALTHY;
    }

    public static HealthResult failed(String detail) {
        return new HealthResult(false, detail);
    }
}
