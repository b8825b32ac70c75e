package io.tether.server.internal;

import io.tether.core.close.CloseInfo;
import io.tether.server.Message;
import io.tether.server.ServerHandler;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the application's {@link ServerHandler}: on the connection's event loop, or, with a
 * handler executor, on that executor one call at a time per connection and in order. A handler
 * that throws is logged; it never breaks the connection's own bookkeeping.
 */
final class HandlerEvents {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");

    private final ServerHandler handler;
    private final Executor executor;

    HandlerEvents(ServerHandler handler, Executor executor) {
        this.handler = handler;
        this.executor = executor;
    }

    void connect(ServerConnection c) {
        dispatch(c, () -> handler.onConnect(c), "onConnect");
    }

    void receive(ServerConnection c, Message m) {
        dispatch(c, () -> handler.onReceive(c, m), "onReceive");
    }

    void close(ServerConnection c, CloseInfo info) {
        dispatch(c, () -> handler.onClose(c, info), "onClose");
    }

    /**
     * Runs {@code onLoop} on {@code c}'s event loop once every handler call dispatched for it so far
     * has returned, after the writes those calls made (they reach the loop first, in order); false,
     * running nothing, when handlers run on the loop, where every call so far has already returned.
     */
    boolean afterHandlers(ServerConnection c, Runnable onLoop) {
        if (executor == null) {
            return false;
        }
        c.serial(executor).execute(() -> c.channel.eventLoop().execute(onLoop));
        return true;
    }

    private void dispatch(ServerConnection c, Runnable call, String event) {
        Runnable safe = () -> {
            try {
                call.run();
            } catch (Throwable t) {
                log.warn("handler threw in {} for connection {}", event, c.id, t);
            }
        };
        if (executor == null) {
            safe.run();
        } else {
            c.serial(executor).execute(safe);
        }
    }
}
