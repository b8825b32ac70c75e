package io.tether.testkit;

import java.util.concurrent.Callable;

/** Runs code with {@link Requirements#CI_PROPERTY} set, then puts the previous value back. */
final class CiMode {
    private CiMode() {
    }

    static <T> T with(boolean ci, Callable<T> body) throws Exception {
        String previous = System.getProperty(Requirements.CI_PROPERTY);
        System.setProperty(Requirements.CI_PROPERTY, String.valueOf(ci));
        try {
            return body.call();
        } finally {
            if (previous == null) {
                System.clearProperty(Requirements.CI_PROPERTY);
            } else {
                System.setProperty(Requirements.CI_PROPERTY, previous);
            }
        }
    }
}
