package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The presence listeners and the firing of their events. For one session the events run one at a
 * time and in order, on the thread that raised them (or the one already delivering an earlier
 * event of that session), or on the handler executor when the server has one. A listener that
 * throws is logged and does not stop the others.
 *
 * <p>The order is kept in two fields of the session under its monitor (a flag and a queue made
 * only when two events of one session meet), so ordering costs a session no objects of its own:
 * the same guarantee as a serial executor per session, without one.
 */
final class Presence {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    /** Where events run: the handler executor, or null to run them on the thread that raised them. */
    private final Executor executor;

    /** @param handlerExecutor where events run; null runs them on the thread that raised them */
    Presence(Executor handlerExecutor) {
        this.executor = handlerExecutor;
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

    void bound(SessionImpl s, String userId) {
        fire(s, "onBound", l -> l.onBound(s, userId));
    }

    void joined(SessionImpl s, String group) {
        fire(s, "onJoined", l -> l.onJoined(s, group));
    }

    void left(SessionImpl s, String group) {
        fire(s, "onLeft", l -> l.onLeft(s, group));
    }

    /** The last event: after the listeners, the session's attributes and groups are cleared. */
    void offline(SessionImpl s, SessionEnd end) {
        inOrder(s, () -> {
            for (PresenceListener l : listeners) {
                call(s, "onOffline", () -> l.onOffline(s, end));
            }
            s.clearState();
        });
    }

    private void fire(SessionImpl s, String event, Consumer<PresenceListener> call) {
        inOrder(s, () -> {
            for (PresenceListener l : listeners) {
                call(s, event, () -> call.accept(l));
            }
        });
    }

    /**
     * Runs {@code task} after the session's earlier events: now (on this thread or the executor)
     * when none is being delivered, else it is queued for the thread delivering them. If the
     * executor refuses (the application shut it down first), the events run on this thread:
     * offline is promised exactly once.
     */
    private void inOrder(SessionImpl s, Runnable task) {
        synchronized (s) {
            if (s.eventsRunning) {
                if (s.eventsQueued == null) {
                    s.eventsQueued = new ArrayDeque<>(4);
                }
                s.eventsQueued.add(task);
                return;
            }
            s.eventsRunning = true;
        }
        if (executor == null) {
            deliver(s, task);
            return;
        }
        try {
            executor.execute(() -> deliver(s, task));
        } catch (RejectedExecutionException e) {
            deliver(s, task);
        }
    }

    /** Runs {@code first}, then whatever was queued meanwhile, until the session's queue is empty. */
    private static void deliver(SessionImpl s, Runnable first) {
        Runnable task = first;
        while (task != null) {
            task.run();
            synchronized (s) {
                task = s.eventsQueued == null ? null : s.eventsQueued.poll();
                if (task == null) {
                    s.eventsRunning = false;
                    s.eventsQueued = null;
                }
            }
        }
    }

    private static void call(SessionImpl s, String event, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            log.warn("presence listener threw in {} for {}", event, s, t);
        }
    }
}
