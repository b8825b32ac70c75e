package io.tether.client;

/** A message larger than the server accepts (its {@code package_max_length}, told in WELCOME). */
public final class MessageTooLargeException extends TetherClientException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(String message) {
        super(message);
    }
}
