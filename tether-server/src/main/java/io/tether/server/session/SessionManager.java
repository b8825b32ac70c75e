package io.tether.server.session;

import io.tether.server.ServerConfig.DuplicatePolicy;
import io.tether.core.close.CloseInfo;
import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.spi.SessionConnection;
import io.tether.server.spi.SessionLayer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The session layer of one server, as {@code TetherServer} creates it: the {@link Sessions}
 * applications use ({@code server.sessions()}) and the {@link SessionLayer} its connections call.
 * It wires the parts and hands each call to the one that does the work:
 * {@link SessionRegistry} (sessions by id and connection, users, groups), {@link ConnectionHooks}
 * (what a connection's HELLO, start and close mean for its session), {@link Presence} (listeners
 * and event order), {@link ResumeTokens} and {@link ExpiryTimer} (resume tokens, window expiry).
 * Sessions reach these parts through it.
 */
public final class SessionManager implements Sessions, SessionLayer {
    final int replayMessages;
    final long replayBytes;
    final long windowNanos;
    final SessionRegistry registry;
    final Presence presence;
    final ResumeTokens tokens;
    /** Null when resume is off (a zero window). */
    final ExpiryTimer timer;
    private final ConnectionHooks hooks;
    /** Holds resumable sessions' durable part (a cluster's); null: they live in this process only. */
    volatile SessionStore store;

    /**
     * @param handlerExecutor where presence events run (one at a time per session); null runs them
     *                        on the thread that raised them
     */
    public SessionManager(ServerConfig config, Executor handlerExecutor) {
        this.replayMessages = config.sessionReplayBuffer();
        this.replayBytes = config.sessionReplayBytes();
        this.windowNanos = config.sessionResumeWindow().toNanos();
        this.tokens = new ResumeTokens(windowNanos);
        this.registry = new SessionRegistry(config.sessionDuplicatePolicy());
        this.presence = new Presence(handlerExecutor);
        this.timer = windowNanos > 0 ? new ExpiryTimer(windowNanos) : null;
        this.hooks = new ConnectionHooks(this);
    }

    /** Server shutdown, after its connections closed: ends what is left (detached sessions) and stops the timer. */
    public void shutdown() {
        registry.forEach(s -> s.end(EndReason.SHUTDOWN, "", null));
        if (timer != null) {
            timer.close();
        }
    }

    @Override
    public synchronized void installStore(SessionStore s) {
        if (store != null) {
            throw new IllegalStateException("a session store is installed already: " + store);
        }
        s.start(new StoreHost(this));
        store = s;
    }

    /** For tests and diagnostics: sessions by state. */
    Map<Session.State, Integer> states() {
        Map<Session.State, Integer> m = new EnumMap<>(Session.State.class);
        registry.forEach(s -> m.merge(s.state(), 1, Integer::sum));
        return m;
    }

    // ------------------------------------------------------------------ Sessions

    @Override
    public void addListener(PresenceListener listener) {
        presence.addListener(listener);
    }

    @Override
    public Session of(Connection connection) {
        return registry.of(connection);
    }

    @Override
    public Session get(String sessionId) {
        return registry.get(sessionId);
    }

    @Override
    public Session ofUser(String userId) {
        return registry.ofUser(userId);
    }

    @Override
    public List<Session> allOfUser(String userId) {
        return registry.allOfUser(userId);
    }

    @Override
    public Set<Session> members(String group) {
        return registry.members(group);
    }

    @Override
    public Collection<Session> all() {
        return registry.all();
    }

    @Override
    public int count() {
        return registry.count();
    }

    @Override
    public int userCount() {
        return registry.userCount();
    }

    @Override
    public int sendToUser(String userId, byte[] message) {
        return registry.sendToUser(userId, message);
    }

    @Override
    public int sendToUser(String userId, String text) {
        return sendToUser(userId, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int sendToGroup(String group, byte[] message) {
        return registry.sendToGroup(group, message);
    }

    @Override
    public int sendToGroup(String group, String text) {
        return sendToGroup(group, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int broadcast(byte[] message) {
        return registry.broadcast(message);
    }

    @Override
    public int broadcast(String text) {
        return broadcast(text.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ SessionLayer

    @Override
    public void opened(SessionConnection conn) {
        hooks.opened(conn);
    }

    @Override
    public void hello(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain) {
        hooks.hello(conn, hello, plain);
    }

    @Override
    public byte[] sequenced(SessionConnection conn, Frame frame) {
        return hooks.sequenced(conn, frame);
    }

    @Override
    public void writable(SessionConnection conn) {
        hooks.writable(conn);
    }

    @Override
    public CompletableFuture<Void> send(SessionConnection conn, byte[] message) {
        return hooks.send(conn, message);
    }

    @Override
    public void closed(SessionConnection conn, CloseInfo info, boolean closeFrameReceived) {
        hooks.closed(conn, info, closeFrameReceived);
    }
}
