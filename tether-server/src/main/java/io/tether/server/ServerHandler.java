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
     * Called exactly once per accepted socket, with the one reason it ended. A socket refused for
     * {@code max_connection} gets only this call (reason LIMIT_REACHED), never onConnect.
     */
    default void onClose(Connection conn, CloseInfo info) {
    }
}
