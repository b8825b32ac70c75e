package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.spi.SessionConnection;
import io.tether.server.spi.SessionLayer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session layer of one server: the registries behind {@link Sessions}, and the
 * {@link SessionLayer} its connections call. Created by {@code TetherServer}; applications use it
 * through {@code server.sessions()}.
 */
public final class SessionManager implements Sessions, SessionLayer {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    final int replayMessages;
    final long replayBytes;
    final long windowNanos;
    final Executor eventExecutor;
    final ExpiryTimer timer;
    final Map<String, SessionImpl> tokens = new ConcurrentHashMap<>();
    private final DuplicatePolicy policy;
    private final Map<String, SessionImpl> sessions = new ConcurrentHashMap<>();
    private final Map<Long, SessionImpl> byConnection = new ConcurrentHashMap<>();
    /** User to sessions, in bind order; the sets are replaced, never changed, under {@link #bindLock}. */
    private final Map<String, List<SessionImpl>> users = new ConcurrentHashMap<>();
    private final Map<String, Set<SessionImpl>> groups = new ConcurrentHashMap<>();
    private final Object bindLock = new Object();
    private final List<PresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);

    /**
     * @param handlerExecutor where presence events run (one at a time per session); null runs them
     *                        on the thread that raised them
     */
    public SessionManager(ServerConfig config, Executor handlerExecutor) {
        this.replayMessages = config.sessionReplayBuffer();
        this.replayBytes = config.sessionReplayBytes();
        this.windowNanos = config.sessionResumeWindow().toNanos();
        this.policy = config.sessionDuplicatePolicy();
        this.eventExecutor = handlerExecutor == null ? Runnable::run : handlerExecutor;
        this.timer = windowNanos > 0 ? new ExpiryTimer(windowNanos) : null;
    }

    // ------------------------------------------------------------------ Sessions

    @Override
    public void addListener(PresenceListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public Session of(Connection connection) {
        return byConnection.get(connection.id());
    }

    @Override
    public Session get(String sessionId) {
        return sessions.get(sessionId);
    }

    @Override
    public Session ofUser(String userId) {
        List<SessionImpl> list = users.get(userId);
        return list == null || list.isEmpty() ? null : list.get(list.size() - 1);
    }

    @Override
    public List<Session> allOfUser(String userId) {
        List<SessionImpl> list = users.get(userId);
        return list == null ? List.of() : List.copyOf(list);
    }

    @Override
    public Set<Session> members(String group) {
        Set<SessionImpl> set = groups.get(group);
        return set == null ? Set.of() : Set.copyOf(set);
    }

    @Override
    public Collection<Session> all() {
        return List.copyOf(sessions.values());
    }

    @Override
    public int count() {
        return sessions.size();
    }

    @Override
    public int userCount() {
        return users.size();
    }

    @Override
    public int sendToUser(String userId, byte[] message) {
        List<SessionImpl> list = users.get(userId);
        return list == null ? 0 : sendAll(list, message);
    }

    @Override
    public int sendToUser(String userId, String text) {
        return sendToUser(userId, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int sendToGroup(String group, byte[] message) {
        Set<SessionImpl> set = groups.get(group);
        return set == null ? 0 : sendAll(set, message);
    }

    @Override
    public int sendToGroup(String group, String text) {
        return sendToGroup(group, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int broadcast(byte[] message) {
        return sendAll(sessions.values(), message);
    }

    @Override
    public int broadcast(String text) {
        return broadcast(text.getBytes(StandardCharsets.UTF_8));
    }

    private static int sendAll(Collection<SessionImpl> targets, byte[] message) {
        int n = 0;
        for (SessionImpl s : targets) {
            if (s.send(message)) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ binding and groups

    boolean bind(SessionImpl s, String userId) {
        Objects.requireNonNull(userId, "userId");
        List<SessionImpl> replaced = List.of();
        synchronized (bindLock) {
            if (s.isEnded()) {
                return false;
            }
            String current = s.userId();
            if (current != null) {
                if (current.equals(userId)) {
                    return true;
                }
                throw new IllegalStateException(s + " is bound to another user");
            }
            List<SessionImpl> others = users.getOrDefault(userId, List.of());
            if (!others.isEmpty() && policy == DuplicatePolicy.REFUSE) {
                replaced = null;
            } else {
                List<SessionImpl> next = new ArrayList<>();
                if (policy == DuplicatePolicy.ALLOW) {
                    next.addAll(others);
                } else {
                    replaced = others;
                }
                next.add(s);
                s.userId(userId);
                users.put(userId, List.copyOf(next));
            }
        }
        if (replaced == null) {
            s.end(EndReason.REFUSED, "user " + userId + " already has a session", null);
            return false;
        }
        for (SessionImpl old : replaced) {
            old.end(EndReason.REPLACED, "user " + userId + " bound " + s, null);
        }
        // An end that raced with this bind has unregistered before we added: take it back out.
        if (s.isEnded()) {
            unbind(s);
            return false;
        }
        return true;
    }

    boolean join(SessionImpl s, String group) {
        Objects.requireNonNull(group, "group");
        if (s.isEnded() || !s.groupSet().add(group)) {
            return false;
        }
        groups.compute(group, (k, set) -> {
            Set<SessionImpl> m = set == null ? ConcurrentHashMap.newKeySet() : set;
            m.add(s);
            return m;
        });
        if (s.isEnded()) {
            removeFromGroup(s, group);
            return false;
        }
        return true;
    }

    boolean leave(SessionImpl s, String group) {
        if (!s.groupSet().remove(group)) {
            return false;
        }
        removeFromGroup(s, group);
        return true;
    }

    private void removeFromGroup(SessionImpl s, String group) {
        groups.computeIfPresent(group, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    private void unbind(SessionImpl s) {
        String user = s.userId();
        if (user == null) {
            return;
        }
        synchronized (bindLock) {
            List<SessionImpl> list = users.get(user);
            if (list != null && list.contains(s)) {
                List<SessionImpl> next = new ArrayList<>(list);
                next.remove(s);
                if (next.isEmpty()) {
                    users.remove(user);
                } else {
                    users.put(user, List.copyOf(next));
                }
            }
        }
    }

    /** Takes an ended session out of every registry (its connection mapping goes when the connection closes). */
    void unregister(SessionImpl s) {
        sessions.remove(s.id(), s);
        unbind(s);
        for (String g : s.groupSet()) {
            removeFromGroup(s, g);
        }
    }

    // ------------------------------------------------------------------ hooks from connections

    @Override
    public void hello(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain) {
        byte[] token = hello.resumeToken();
        if (token.length > 0) {
            resume(conn, hello, plain, token);
            return;
        }
        boolean sequenced = hello.sequenced();
        boolean resumable = sequenced && windowNanos > 0;
        SessionImpl s = start(conn, sequenced, resumable);
        byte[] newToken = null;
        if (resumable) {
            newToken = ResumeTokens.next();
            s.issueToken(ResumeTokens.key(newToken));
        }
        if (conn.welcome(welcome(plain, newToken, false, sequenced ? 0 : Frame.Hello.NOT_SEQUENCED))) {
            s.welcomed(conn, false);
        }
    }

    private void resume(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, byte[] token) {
        String key = ResumeTokens.key(token);
        // Claiming the token removes it: of two connections racing with one token, one wins.
        SessionImpl s = key == null ? null : tokens.remove(key);
        if (s == null) {
            refuse(conn, "unknown, expired or already used resume token");
            return;
        }
        byte[] newToken = ResumeTokens.next();
        SessionImpl.Resume r = s.resume(conn, Math.max(0, hello.receivedSeq()), ResumeTokens.key(newToken));
        if (r.refusal() != null) {
            refuse(conn, r.refusal());
            return;
        }
        byConnection.put(conn.id(), s);
        Frame.Welcome w = welcome(plain, newToken, true, r.inSeq());
        Runnable reply = () -> {
            if (conn.welcome(w)) {
                s.welcomed(conn, true);
            }
        };
        SessionConnection previous = r.previous();
        if (previous == null) {
            reply.run();
        } else {
            // Takeover: the old connection may be delivering a message on its loop right now. Let
            // that loop finish before the client hears WELCOME and sends the next one here, so the
            // application sees the client's messages in order.
            previous.close(CloseReason.CLOSED_BY_SERVER, "session " + s.id() + " resumed on connection " + conn.id(),
                    EndReason.TAKEN_OVER_CODE);
            previous.executor().execute(() -> conn.executor().execute(reply));
        }
        if (log.isDebugEnabled()) {
            log.debug("{} resumed on {}", s, conn);
        }
    }

    private void refuse(SessionConnection conn, String why) {
        log.info("{} resume refused: {}", conn, why);
        conn.close(CloseReason.CLOSED_BY_SERVER, "resume refused: " + why, EndReason.RESUME_REFUSED_CODE);
    }

    static Frame.Welcome welcome(Frame.Welcome p, byte[] token, boolean resumed, long receivedSeq) {
        return new Frame.Welcome(p.connectionId(), p.idleTimeoutMillis(), p.serverPingIntervalMillis(),
                p.serverPingTimeoutMillis(), p.minPingIntervalMillis(), p.maxFrameLength(), p.serverName(), token, resumed,
                receivedSeq);
    }

    private SessionImpl start(SessionConnection conn, boolean sequenced, boolean resumable) {
        SessionImpl s = new SessionImpl(this, "s" + nextId.getAndIncrement(), conn, sequenced, resumable);
        sessions.put(s.id(), s);
        byConnection.put(conn.id(), s);
        return s;
    }

    @Override
    public void opened(SessionConnection conn) {
        start(conn, false, false).welcomed(conn, false);
    }

    @Override
    public byte[] sequenced(SessionConnection conn, Frame frame) {
        SessionImpl s = byConnection.get(conn.id());
        return s == null ? null : s.onFrame(conn, frame);
    }

    @Override
    public void writable(SessionConnection conn) {
        SessionImpl s = byConnection.get(conn.id());
        if (s != null) {
            s.writable(conn);
        }
    }

    @Override
    public CompletableFuture<Void> send(SessionConnection conn, byte[] message) {
        SessionImpl s = byConnection.get(conn.id());
        if (s != null && s.send(message)) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.failedFuture(new IllegalStateException(
                (s == null ? "connection " + conn.id() : s.toString()) + " is closed"));
    }

    @Override
    public void closed(SessionConnection conn, CloseInfo info, boolean closeFrameReceived) {
        SessionImpl s = byConnection.remove(conn.id());
        if (s != null) {
            try {
                s.connectionLost(conn, info, closeFrameReceived);
            } catch (RuntimeException e) {
                // Never let the session layer stop the connection's own close from completing.
                log.warn("{}: session bookkeeping failed on close of {}", s, conn, e);
            }
        }
    }

    /** Server shutdown, after its connections closed: ends what is left (detached sessions) and stops the timer. */
    public void shutdown() {
        for (SessionImpl s : sessions.values()) {
            s.end(EndReason.SHUTDOWN, "", null);
        }
        if (timer != null) {
            timer.close();
        }
    }

    // ------------------------------------------------------------------ events

    void fireOnline(SessionImpl s, Connection c) {
        fire(s, "onOnline", l -> l.onOnline(s, c));
    }

    void fireResumed(SessionImpl s, Connection c) {
        fire(s, "onResumed", l -> l.onResumed(s, c));
    }

    void fireDetached(SessionImpl s, CloseInfo cause) {
        fire(s, "onDetached", l -> l.onDetached(s, cause));
    }

    void fireOffline(SessionImpl s, SessionEnd end) {
        s.events.execute(() -> {
            for (PresenceListener l : listeners) {
                call(s, "onOffline", () -> l.onOffline(s, end));
            }
            s.attributes().clear();
            s.groupSet().clear();
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

    /** For tests and diagnostics: sessions by state. */
    Map<Session.State, Integer> states() {
        Map<Session.State, Integer> m = new java.util.EnumMap<>(Session.State.class);
        for (SessionImpl s : sessions.values()) {
            m.merge(s.state(), 1, Integer::sum);
        }
        return m;
    }
}
