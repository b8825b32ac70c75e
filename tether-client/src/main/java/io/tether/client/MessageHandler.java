package io.tether.client;

/**
 * Receives the server's messages (DATA frames, or lines in line mode, without the newline). Called
 * on the client's event loop in arrival order; must not block.
 */
@FunctionalInterface
public interface MessageHandler {
    void onMessage(TetherClient client, byte[] message);
}
