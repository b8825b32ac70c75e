package io.tether.lab;

/** A lab step could not be carried out (a command failed, a process did not start in time). */
public class LabException extends RuntimeException {
    public LabException(String message) {
        super(message);
    }
}
