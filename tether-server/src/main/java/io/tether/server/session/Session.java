package io.tether.server.session;

import io.tether.server.Connection;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * One client's stay on the server, which can outlive a connection: its user, groups and
 * attributes (the player's in-memory state), and, for a sequenced frame client, its numbered
 * messages in both directions, so it can resume after a network blip without losing or repeating
 * one. Safe to use from any thread.
 */
public interface Session {

    /** How a session stands. */
    enum State {
        /** On a live connection. */
        ATTACHED,
        /** Its connection was lost abnormally; waiting for the client to resume within the window. */
        DETACHED,
        /** Over; the offline event has fired or is firing. */
        ENDED
    }

    /** Unique for the server's lifetime; not a secret (the resume token is, and is never exposed). */
    String id();

    /** The bound user, or null until {@link #bind}. */
    String userId();

    /**
     * Binds this session to {@code userId}, applying {@code session_duplicate_policy} when the user
     * already has a live session: REPLACE ends the others, REFUSE ends this one and returns false,
     * ALLOW keeps all. Binding the same user again is a no-op returning true.
     *
     * @throws IllegalStateException if the session is bound to another user
     */
    boolean bind(String userId);

    /** Joins a group (room); returns false if already a member or the session has ended. */
    boolean join(String group);

    /** Leaves a group; returns false if not a member. */
    boolean leave(String group);

    /** The groups this session is in, a snapshot. */
    Set<String> groups();

    /**
     * Queues a message for the client. On a sequenced session it is numbered and kept until the
     * client acknowledges it, and replayed after a resume; sending to a detached session is fine.
     * Returns false if the session has ended, or this message overflowed the replay buffer (which
     * ends it), or, on a sequenced session, the message alone is larger than
     * {@code session_replay_bytes}: it could never be held for replay, so it is refused and the
     * session goes on (docs/PROTOCOL.md, "Frame sizes").
     */
    boolean send(byte[] message);

    /** {@link #send(byte[])} of the UTF-8 bytes of {@code text}. */
    boolean send(String text);

    /** The application's state for this session; kept across resumes, cleared after onOffline. */
    ConcurrentMap<String, Object> attributes();

    State state();

    /** The current connection, or null while detached or after the end. */
    Connection connection();

    /** True when the client can resume this session after losing its connection. */
    boolean resumable();

    /** Times the session was resumed. */
    int resumes();

    /** Payload bytes sent and not yet acknowledged by the client (its replay buffer); 0 unless sequenced. */
    long replayBytes();

    /** How it ended, or null while it lives. */
    SessionEnd end();

    /** Ends the session (reason CLOSED_BY_SERVER), closing its connection if attached. Idempotent. */
    void close();

    /**
     * Ends the session with {@code reason}, closing its connection if attached (a frame client is
     * told the reason's wire code), for a rule enforced outside this server: a cluster applying
     * {@code session_duplicate_policy} across nodes ends a session {@code REPLACED} or {@code REFUSED}.
     * Returns false if it had already ended.
     */
    boolean close(EndReason reason, String detail);
}
