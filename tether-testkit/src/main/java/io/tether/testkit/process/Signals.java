package io.tether.testkit.process;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Signals to a test's child process through kill(1): SIGSTOP freezes it (a hung server or Redis),
 * SIGCONT resumes it, SIGINT/SIGTERM ask it to stop. Java's Process can only terminate or kill.
 */
public final class Signals {
    private Signals() {
    }

    /**
     * Sends {@code signal} (a name without the dash: {@code STOP}, {@code CONT}, {@code TERM}) to
     * {@code pid} and waits for kill(1); throws when kill fails (no such process, say).
     */
    public static void send(long pid, String signal) {
        try {
            int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " exited with " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
