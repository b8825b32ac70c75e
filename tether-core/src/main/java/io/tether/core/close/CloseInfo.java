package io.tether.core.close;

import java.time.Duration;
import java.util.Objects;

/**
 * How a connection ended: one {@link CloseReason}, how long the peer had been silent when it
 * ended, and a human-readable detail (the error, the offending frame size, ...), possibly empty.
 */
public record CloseInfo(CloseReason reason, Duration silentFor, String detail) {

    public CloseInfo {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(silentFor, "silentFor");
        detail = detail == null ? "" : detail;
    }

    @Override
    public String toString() {
        String silent = String.format("silent %.3f s", silentFor.toNanos() / 1e9);
        return detail.isEmpty() ? reason.text() + " (" + silent + ")" : reason.text() + " (" + silent + "; " + detail + ")";
    }
}
