package io.tether.server;

import io.tether.core.close.CloseInfo;

/**
 * The application's side of the server, in Swoole's three events. For each connection the calls
 * come one at a time and in order: onConnect, then onReceive per message, then onClose exactly
 * once. They run on the connection's event loop unless the server was built with a handler
 * executor; handlers that block must use one.
 */
public interface ServerHandler {

    default void onConnect(Connection conn) {
    }

    default void onReceive(Connection conn, Message message) {
    }

    /**
     * Called exactly once per accepted socket, with the one reason it ended. A socket refused at
     * accept ({@code max_connection}, {@code max_connection_per_ip}, {@code connect_rate_per_ip}; the
     * detail names which) gets only this call (reason LIMIT_REACHED), never onConnect; under framing
     * auto it comes once the client was told why, up to 2 s after the accept.
     */
    default void onClose(Connection conn, CloseInfo info) {
    }
}
