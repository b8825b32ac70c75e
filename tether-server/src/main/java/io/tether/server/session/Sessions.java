package io.tether.server.session;

import io.tether.server.Connection;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The server's sessions: look-ups, fan-out sends and presence listeners. Obtained with
 * {@code server.sessions()}; safe to use from any thread. Counts include detached sessions,
 * which still hold their user and state until they resume or expire.
 */
public interface Sessions {

    /** Receives online/offline (and detach/resume) events; add before {@code start()} to miss none. */
    void addListener(PresenceListener listener);

    /** The session on this connection, or null (before HELLO, or after the connection closed). */
    Session of(Connection connection);

    /** The session with this id, or null once it ended. */
    Session get(String sessionId);

    /** The user's most recently bound live session, or null. */
    Session ofUser(String userId);

    /** All live sessions of the user (several only with the ALLOW policy). */
    List<Session> allOfUser(String userId);

    /** The live sessions in a group, a snapshot. */
    Set<Session> members(String group);

    /** All live sessions, a snapshot. */
    Collection<Session> all();

    /** Live sessions (attached or detached). */
    int count();

    /** Users with at least one live session. */
    int userCount();

    /** Sends to every session of the user; returns how many took it. */
    int sendToUser(String userId, byte[] message);

    int sendToUser(String userId, String text);

    /** Sends to every member of the group; returns how many took it. */
    int sendToGroup(String group, byte[] message);

    int sendToGroup(String group, String text);

    /** Sends to every live session; returns how many took it. */
    int broadcast(byte[] message);

    int broadcast(String text);

    /**
     * Keeps resumable sessions' durable part in {@code store}, so they can resume on another
     * process (tether-cluster installs its Redis store when it joins). Call before the server
     * starts, once.
     *
     * @throws IllegalStateException if a store is installed already
     */
    void installStore(SessionStore store);
}
