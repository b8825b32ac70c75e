package io.tether.lab;

import io.tether.core.close.CloseReason;
import java.util.EnumSet;
import java.util.Set;

/**
 * What one cell should show: a close with one of {@code reasons} within {@code boundMs} (plus the
 * stated slack); an expected miss (the layer cannot see this failure by design, so the
 * connection outlives the observation window); or a live connection that must not be closed.
 */
public record Expected(Kind kind, Set<CloseReason> reasons, long boundMs, String note) {

    public enum Kind { DETECT, MISS, ALIVE }

    public static Expected detect(CloseReason reason, long boundMs) {
        return new Expected(Kind.DETECT, EnumSet.of(reason), boundMs, "");
    }

    public static Expected miss(String why) {
        return new Expected(Kind.MISS, EnumSet.noneOf(CloseReason.class), 0, why);
    }

    public static Expected alive() {
        return new Expected(Kind.ALIVE, EnumSet.noneOf(CloseReason.class), 0, "must stay open");
    }

    /** The reasons, joined for display. */
    public String reasonText() {
        StringBuilder sb = new StringBuilder();
        for (CloseReason r : reasons) {
            if (sb.length() > 0) {
                sb.append(" or ");
            }
            sb.append(r.text());
        }
        return sb.toString();
    }
}
