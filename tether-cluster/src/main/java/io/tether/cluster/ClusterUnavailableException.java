package io.tether.cluster;

/**
 * A cluster call could not reach Redis. Thrown at once while the link is down (no queueing):
 * local sessions keep working, and the node re-registers what it holds when Redis is back.
 */
public final class ClusterUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
