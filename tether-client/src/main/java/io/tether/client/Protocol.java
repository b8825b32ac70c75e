package io.tether.client;

/** What the client speaks on the wire (docs/PROTOCOL.md). */
public enum Protocol {
    /** The binary frame protocol: handshake, ping ids, health status, close reasons. */
    FRAME,
    /**
     * Newline-terminated UTF-8 text, for simple peers (and a Tether server's line mode): {@code ping}
     * lines as heartbeat, {@code pong}/{@code pong unhealthy ...} as answers. No handshake, so the
     * client cannot learn the server's idle timeout: configure the heartbeat to fit it. Messages
     * must not contain a newline.
     */
    LINE
}
