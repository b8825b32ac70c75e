package io.tether.cli;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI's default handler: one log line per event, like the var_dump calls in Swoole's
 * examples, so a person watching the terminal sees connect, receive and close with its reason.
 */
final class EventLog implements ServerHandler {
    private static final Logger log = LoggerFactory.getLogger("tether.events");
    private final boolean echo;

    EventLog(boolean echo) {
        this.echo = echo;
    }

    @Override
    public void onConnect(Connection conn) {
        log.info("connect {} from {}", conn.id(), address(conn));
    }

    @Override
    public void onReceive(Connection conn, Message message) {
        String text = message.text();
        log.info("receive {}: string({}) \"{}\"", conn.id(), message.length(), text.length() > 200 ? text.substring(0, 200) + "..." : text);
        if (echo) {
            conn.send(message.bytes());
        }
    }

    @Override
    public void onClose(Connection conn, CloseInfo info) {
        log.info("close {}: {}", conn.id(), info);
    }

    private static String address(Connection conn) {
        var a = conn.info().remoteAddress();
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
