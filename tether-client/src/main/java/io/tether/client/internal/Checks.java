package io.tether.client.internal;

import java.time.Duration;

/** Argument checks of the client's builders, each failing with a message that names the value. */
public final class Checks {
    private Checks() {
    }

    public static void nonNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
    }

    public static void positive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + d);
        }
    }

    public static void wholeSeconds(String name, Duration d) {
        if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0 || d.toSeconds() > 32767) {
            throw new IllegalArgumentException(name + " must be whole seconds in 1..32767 (the kernel counts it in seconds), got " + d);
        }
    }
}
