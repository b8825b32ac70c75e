package io.tether.client;

/**
 * A message handed to a connection could not be written because that connection ended. The
 * client does not resend it (at-most-once); whether the server saw it is unknown.
 */
public final class ConnectionLostException extends TetherClientException {
    private static final long serialVersionUID = 1L;

    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
