package io.tether.client;

/**
 * A send found the disconnected-send queue at one of its bounds. {@link #bound()} names it
 * ({@code max_queued_messages} or {@code max_queued_bytes}), {@link #limit()} is its value.
 */
public final class QueueFullException extends TetherClientException {
    private static final long serialVersionUID = 1L;
    private final String bound;
    private final long limit;

    public QueueFullException(String bound, long limit, String message) {
        super(message);
        this.bound = bound;
        this.limit = limit;
    }

    public String bound() {
        return bound;
    }

    public long limit() {
        return limit;
    }
}
