package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence listeners and the firing of their events. For one session the events run one at a
 * time and in order, on the thread that raised them (or the one already delivering an earlier
 * event of that session), or on the handler executor when the server has one. A listener that
 * throws is logged and does not stop the others.
 */
final class Presence {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    /** Where events run: the handler executor, or inline. */
    final Executor executor;

    /** @param handlerExecutor where events run; null runs them on the thread that raised them */
    Presence(Executor handlerExecutor) {
        this.executor = handlerExecutor == null ? Runnable::run : handlerExecutor;
    }

    void addListener(PresenceListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void online(SessionImpl s, Connection c) {
        fire(s, "onOnline", l -> l.onOnline(s, c));
    }

    void resumed(SessionImpl s, Connection c) {
        fire(s, "onResumed", l -> l.onResumed(s, c));
    }

    void detached(SessionImpl s, CloseInfo cause) {
        fire(s, "onDetached", l -> l.onDetached(s, cause));
    }

    /** The last event: after the listeners, the session's attributes and groups are cleared. */
    void offline(SessionImpl s, SessionEnd end) {
        s.events.execute(() -> {
            for (PresenceListener l : listeners) {
                call(s, "onOffline", () -> l.onOffline(s, end));
            }
            s.clearState();
        });
    }

    private void fire(SessionImpl s, String event, Consumer<PresenceListener> call) {
        s.events.execute(() -> {
            for (PresenceListener l : listeners) {
                call(s, event, () -> call.accept(l));
            }
        });
    }

    private static void call(SessionImpl s, String event, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            log.warn("presence listener threw in {} for {}", event, s, t);
        }
    }
}
