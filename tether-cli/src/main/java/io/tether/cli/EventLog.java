package io.tether.cli;

import io.tether.core.close.CloseInfo;
import io.tether.core.text.Printable;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerHandler;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI's default handler: a log line per event, like the var_dump calls in Swoole's examples,
 * so a person watching the terminal sees connect, receive and close with its reason. Connects and
 * closes are at INFO up to a rate, then summed up ({@link EventSummary}); received messages are at
 * DEBUG. What a peer sent is escaped ({@link Printable}): it cannot clear or retitle the
 * terminal, nor start a line that looks like the server's own.
 */
final class EventLog implements ServerHandler, AutoCloseable {
    /** Longest part of a received message shown, in characters. */
    static final int SHOWN = 200;
    private static final Logger log = LoggerFactory.getLogger("tether.events");
    private final boolean echo;
    private final EventSummary summary;

    EventLog(boolean echo) {
        this(echo, EventSummary.WINDOW, EventSummary.LINES);
    }

    EventLog(boolean echo, Duration window, int linesPerWindow) {
        this.echo = echo;
        this.summary = new EventSummary(log, window, linesPerWindow);
    }

    @Override
    public void onConnect(Connection conn) {
        if (summary.connect()) {
            log.info("connect {} from {}", conn.id(), address(conn));
        } else if (log.isDebugEnabled()) {
            log.debug("connect {} from {}", conn.id(), address(conn));
        }
    }

    @Override
    public void onReceive(Connection conn, Message message) {
        if (log.isDebugEnabled()) {
            log.debug("receive {}: string({}) \"{}\"", conn.id(), message.length(), Printable.of(message.bytes(), SHOWN));
        }
        if (echo) {
            conn.send(message.bytes());
        }
    }

    @Override
    public void onClose(Connection conn, CloseInfo info) {
        // The detail may quote the peer (a CLOSE frame's text), so it is escaped like a message.
        if (summary.close(info.reason())) {
            log.info("close {}: {}", conn.id(), Printable.of(info.toString(), SHOWN));
        } else if (log.isDebugEnabled()) {
            log.debug("close {}: {}", conn.id(), Printable.of(info.toString(), SHOWN));
        }
    }

    /** Sums up the last window; call after the server has stopped (its closes are counted then). */
    @Override
    public void close() {
        summary.close();
    }

    private static String address(Connection conn) {
        var a = conn.info().remoteAddress();
        return a == null ? "?" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }
}
