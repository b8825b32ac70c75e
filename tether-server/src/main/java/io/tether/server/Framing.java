package io.tether.server;

/** How a connection's byte stream is cut into messages. */
public enum Framing {
    /** Tell line and frame clients apart by their first byte (frame clients open with 0xFF). */
    AUTO,
    /** Newline-terminated text; CRLF accepted; what {@code nc} speaks. */
    LINE,
    /** The binary, length-prefixed frame protocol of docs/PROTOCOL.md; what the client SDK speaks. */
    FRAME,
    /** Bytes exactly as each read returned them. */
    RAW,
    /**
     * WebSocket (RFC 6455) after an HTTP upgrade: each text or binary message is a message
     * (docs/WEBSOCKET.md). A WebSocket client that asks for the {@code tether.v1} subprotocol
     * speaks the frame protocol inside binary messages and is a {@link #FRAME} client.
     */
    WEBSOCKET
}
