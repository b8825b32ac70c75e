package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.spi.SessionConnection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A session: its identity, user, groups and attributes, which connection it is on, and its life
 * (online, detach, end; a resume is its {@link Resumption}'s). Mutable state is guarded by
 * {@code this}; the lock is held only for bookkeeping, never while calling the application.
 *
 * <p>Parts a session may never use are created on first use, so an idle line session is this one
 * object: the attributes map on the first {@link #attributes()}, the group set on the first join.
 * A sequenced session has its {@link SequencedStream} and a resumable one its {@link Resumption}
 * from the start; other sessions never have them.
 */
final class SessionImpl implements Session {
    private final SessionManager layer;
    /** The id's number: {@link #id()} is {@code "s" + number}, made when asked for. */
    private final long number;
    /** The numbered messages; null for an unsequenced session. */
    private final SequencedStream stream;
    /** Token, resume, expiry; null unless resumable. */
    private final Resumption resumption;
    /** Created on first use ({@link #attributes()}); never reset to null. */
    private volatile ConcurrentMap<String, Object> attributes;
    /** Created on the first join; never reset to null. */
    private volatile Set<String> groups;
    private volatile String userId;
    private volatile State state = State.ATTACHED;
    private volatile SessionConnection conn;
    private volatile SessionEnd end;

    // guarded by this
    private boolean onlineFired;
    /** Presence: an event of this session is being delivered (owned by {@link Presence}). */
    boolean eventsRunning;
    /** Presence: events raised meanwhile, created when two meet (owned by {@link Presence}). */
    ArrayDeque<Runnable> eventsQueued;

    SessionImpl(SessionManager layer, long number, SessionConnection conn, boolean sequenced, boolean resumable) {
        this.layer = layer;
        this.number = number;
        this.conn = conn;
        this.stream = sequenced ? new SequencedStream(this, layer.replayMessages, layer.replayBytes) : null;
        this.resumption = resumable ? new Resumption(this, layer) : null;
    }

    // ------------------------------------------------------------------ Session API

    @Override
    public String id() {
        return "s" + number;
    }

    /** The number in the id, the registry's key. */
    long number() {
        return number;
    }

    @Override
    public String userId() {
        return userId;
    }

    void userId(String u) {
        userId = u;
    }

    @Override
    public boolean bind(String user) {
        boolean first = userId == null;
        boolean bound = layer.registry.bind(this, user);
        if (bound && first) {
            layer.presence.bound(this, user);
        }
        return bound;
    }

    @Override
    public boolean join(String group) {
        boolean joined = layer.registry.join(this, group);
        if (joined) {
            layer.presence.joined(this, group);
        }
        return joined;
    }

    @Override
    public boolean leave(String group) {
        boolean left = layer.registry.leave(this, group);
        if (left) {
            layer.presence.left(this, group);
        }
        return left;
    }

    /** The group set, or null before the first join. */
    Set<String> groupSet() {
        return groups;
    }

    /** The group set, created if this is the first join. */
    Set<String> groupSetForJoin() {
        Set<String> g = groups;
        if (g == null) {
            synchronized (this) {
                g = groups;
                if (g == null) {
                    groups = g = ConcurrentHashMap.newKeySet();
                }
            }
        }
        return g;
    }

    @Override
    public Set<String> groups() {
        Set<String> g = groups;
        return g == null ? Set.of() : Set.copyOf(g);
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
        ConcurrentMap<String, Object> a = attributes;
        if (a == null) {
            synchronized (this) {
                a = attributes;
                if (a == null) {
                    attributes = a = new ConcurrentHashMap<>();
                }
            }
        }
        return a;
    }

    /** After the offline event: clears the attributes and groups (those that exist). */
    void clearState() {
        ConcurrentMap<String, Object> a = attributes;
        if (a != null) {
            a.clear();
        }
        Set<String> g = groups;
        if (g != null) {
            g.clear();
        }
    }

    @Override
    public State state() {
        return state;
    }

    boolean isEnded() {
        return state == State.ENDED;
    }

    @Override
    public Connection connection() {
        return conn;
    }

    /** The current connection, or null while detached or after the end. */
    SessionConnection conn() {
        return conn;
    }

    /** The numbered messages, or null for an unsequenced session. */
    SequencedStream stream() {
        return stream;
    }

    /** The store that holds this session's durable part, or null (not resumable, or no store). */
    SessionStore store() {
        return resumption == null ? null : layer.store;
    }

    /** How it resumes, or null when it cannot. */
    Resumption resumption() {
        return resumption;
    }

    @Override
    public boolean resumable() {
        return resumption != null;
    }

    @Override
    public synchronized int resumes() {
        return resumption == null ? 0 : resumption.resumes();
    }

    @Override
    public synchronized long replayBytes() {
        return stream == null ? 0 : stream.unackedBytes();
    }

    /** Messages sent and not yet acknowledged by the client. */
    synchronized int unacked() {
        return stream == null ? 0 : stream.unacked();
    }

    @Override
    public SessionEnd end() {
        return end;
    }

    @Override
    public void close() {
        end(EndReason.CLOSED_BY_SERVER, "", null);
    }

    @Override
    public boolean close(EndReason reason, String detail) {
        return end(reason, detail, null);
    }

    @Override
    public boolean send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean send(byte[] message) {
        if (stream != null) {
            return stream.send(message);
        }
        SessionConnection c = conn;
        if (c == null || state == State.ENDED) {
            return false;
        }
        c.sendPlain(message);
        return true;
    }

    @Override
    public String toString() {
        String u = userId;
        return "session s" + number + (u == null ? "" : " (user " + u + ")");
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * A resume moves the session onto {@code c}; returns the connection it was on, or null. Caller
     * holds the lock.
     */
    SessionConnection attachTo(SessionConnection c) {
        SessionConnection previous = conn;
        conn = c;
        state = State.ATTACHED;
        return previous;
    }

    /**
     * The WELCOME went out on {@code c} (on its loop): start the replay, tell the listeners. A
     * session that arrived from another process resumes here: it went online where it started.
     */
    void welcomed(SessionConnection c, boolean resumed) {
        boolean first;
        synchronized (this) {
            if (conn != c) {
                return;
            }
            first = !onlineFired && !resumed;
            onlineFired = true;
        }
        if (resumed) {
            stream.pump(c);
        }
        if (first) {
            layer.presence.online(this, c);
        } else {
            layer.presence.resumed(this, c);
        }
    }

    /** Connection {@code c} is gone. Detach (abnormal loss of a resumable session) or end. */
    void connectionLost(SessionConnection c, CloseInfo info, boolean closeFrame) {
        boolean detach;
        long expiresAt = 0;
        synchronized (this) {
            if (conn != c || state != State.ATTACHED) {
                return; // taken over by a resume, or already ended
            }
            detach = !closeFrame && resumption != null && Resumption.survives(info.reason());
            if (detach) {
                conn = null;
                state = State.DETACHED;
                expiresAt = resumption.detached(info);
                stream.detached();
            }
        }
        if (detach) {
            layer.timer.schedule(resumption, expiresAt);
            layer.presence.detached(this, info);
            return;
        }
        if (closeFrame) {
            end(EndReason.CLOSED, info.detail(), info);
        } else if (info.reason() == CloseReason.CLOSED_BY_SERVER) {
            end(EndReason.CLOSED_BY_SERVER, info.detail(), info);
        } else if (info.reason() == CloseReason.SHUTDOWN) {
            end(EndReason.SHUTDOWN, "", info);
        } else {
            end(EndReason.LOST, info.toString(), info);
        }
    }

    /**
     * Ends the session once: unregisters it, closes its connection if one is open and the reason
     * says so, then fires offline and clears the attributes. Returns false if it had already ended.
     */
    boolean end(EndReason reason, String detail, CloseInfo lastClose) {
        SessionConnection c;
        SessionEnd e;
        synchronized (this) {
            if (state == State.ENDED) {
                return false;
            }
            state = State.ENDED;
            c = conn;
            conn = null;
            CloseInfo lostWith = resumption == null ? null : resumption.ended(reason);
            e = new SessionEnd(reason, detail, lastClose != null ? lastClose : lostWith);
            end = e;
            if (stream != null) {
                stream.clear();
            }
        }
        layer.registry.unregister(this);
        SessionStore st = store();
        if (st != null) {
            st.ended(this, e);
        }
        if (c != null) {
            CloseReason cr = reason == EndReason.SHUTDOWN ? CloseReason.SHUTDOWN : CloseReason.CLOSED_BY_SERVER;
            c.close(cr, "session " + reason.text() + (detail.isEmpty() ? "" : ": " + detail), reason.wireCode());
        }
        layer.presence.offline(this, e);
        return true;
    }
}
