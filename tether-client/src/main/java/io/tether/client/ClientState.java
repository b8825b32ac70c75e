package io.tether.client;

/**
 * Where a {@link TetherClient} is. Transitions are reported to {@link ClientListener#onStateChange}.
 *
 * <pre>
 *  CONNECTING --welcome--> CONNECTED --lost--> RECONNECTING --welcome--> CONNECTED
 *       |                      |                    |  (one report per attempt)
 *       +--attempt failed--> RECONNECTING           +--max attempts--> CLOSED
 *  any --close()--> CLOSED          (ON_USE mode: CONNECTED --lost--> DISCONNECTED --send--> CONNECTING)
 * </pre>
 */
public enum ClientState {
    /** The first connection (or, in ON_USE mode, one started by a send) is being made. */
    CONNECTING,
    /** Handshake done; sends go straight to the socket. */
    CONNECTED,
    /** The connection was lost or an attempt failed; the next attempt is scheduled with backoff. */
    RECONNECTING,
    /** ON_USE mode only: no connection and none wanted until the next send. */
    DISCONNECTED,
    /** Closed by the application, or gave up after the backoff's max attempts. Final. */
    CLOSED
}
