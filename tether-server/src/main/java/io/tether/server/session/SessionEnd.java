package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import java.util.Objects;

/**
 * How a session ended: one {@link EndReason}, a human-readable detail, and how its last connection
 * ended ({@code lastClose}; null when the session ended while its connection was still open, e.g.
 * replaced or overflowed, or a detached session's connection ended earlier and is in the detail).
 */
public record SessionEnd(EndReason reason, String detail, CloseInfo lastClose) {
    public SessionEnd {
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? reason.text() : reason.text() + " (" + detail + ")";
    }
}
