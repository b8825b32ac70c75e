package io.tether.client;

/**
 * A message handed to a connection could not be written because that connection ended, and it
 * could not be put back in the queue (a newer connection had already taken over, so resending it
 * would break the order). Usually such a message is put back and resent on the next connection.
 */
public final class ConnectionLostException extends TetherClientException {
    private static final long serialVersionUID = 1L;

    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
