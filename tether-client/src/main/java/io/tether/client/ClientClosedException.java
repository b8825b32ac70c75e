package io.tether.client;

/** The client is closed (by the application, or it gave up reconnecting); nothing more is sent. */
public final class ClientClosedException extends TetherClientException {
    private static final long serialVersionUID = 1L;

    public ClientClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
