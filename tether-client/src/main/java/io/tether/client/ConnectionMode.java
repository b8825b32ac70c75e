package io.tether.client;

/** The two remedies for connections that servers and middleboxes close (docs/CLIENT.md). */
public enum ConnectionMode {
    /**
     * Keep the connection: heartbeat PINGs when idle, detect a silent server, reconnect in the
     * background with backoff as soon as the connection is lost.
     */
    PERSISTENT,
    /**
     * Reconnect when used: no background pings and no background reconnects. A lost connection
     * leaves the client {@link ClientState#DISCONNECTED}; the next send connects again (paying a
     * new handshake), and its message waits in the send queue meanwhile. Server PINGs are still
     * answered while connected.
     */
    ON_USE
}
