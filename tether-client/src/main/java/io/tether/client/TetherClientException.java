package io.tether.client;

/** Base of the client's own failures; the message says what happened and what to change. */
public class TetherClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TetherClientException(String message) {
        super(message);
    }

    public TetherClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
