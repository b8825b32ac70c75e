package io.tether.core.protocol;

/** The peer broke the wire protocol; the message names what was wrong. */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
