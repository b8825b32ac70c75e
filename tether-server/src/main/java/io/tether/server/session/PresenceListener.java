package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;

/**
 * Session lifecycle events. For each session: {@link #onOnline} once, then any number of
 * detach/resume pairs, binds and group changes, then {@link #onOffline} exactly once (for every
 * session that went online).
 * Calls for one session come one at a time and in order; they run on the thread that caused them
 * (an event loop, or the sessions' timer for expiry) unless the server has a handler executor.
 * Do not block in them without one.
 */
public interface PresenceListener {

    /** A new session started (a frame client's HELLO without a resume token, or a line/raw client's first byte). */
    default void onOnline(Session session, Connection connection) {
    }

    /**
     * The session ended, with its reason; the last event it gets. Its attributes are still readable
     * here (save the player's state) and are cleared right after.
     */
    default void onOffline(Session session, SessionEnd end) {
    }

    /** The connection was lost abnormally; the session waits {@code session_resume_window} for a resume. */
    default void onDetached(Session session, CloseInfo cause) {
    }

    /** The client came back with its token, on {@code connection}; unacknowledged messages are being replayed. */
    default void onResumed(Session session, Connection connection) {
    }

    /**
     * The session was bound to {@code userId} ({@link Session#bind} returned true for the first
     * time). Comes after any offline of sessions the bind replaced. A layer that extends presence
     * beyond this process (tether-cluster) learns who is where from this and {@link #onJoined}.
     */
    default void onBound(Session session, String userId) {
    }

    /** The session joined {@code group} ({@link Session#join} returned true). */
    default void onJoined(Session session, String group) {
    }

    /** The session left {@code group} ({@link Session#leave} returned true); not called for the groups an ended session drops. */
    default void onLeft(Session session, String group) {
    }
}
