package io.tether.server.session;

/**
 * Why a session ended. Every session ends exactly once, with one of these, and the offline event
 * carries it. Reasons that close a still-open connection tell a frame client a wire code in the
 * CLOSE frame (docs/PROTOCOL.md, Sessions).
 */
public enum EndReason {
    /** The client said goodbye with a CLOSE frame: the only graceful end. */
    CLOSED(1000, "closed"),
    /** The connection was lost and the session cannot resume (a line, raw or unsequenced client, resume turned off, or the server closed the connection for a protocol error or too many pings). */
    LOST(1099, "lost"),
    /** Detached for longer than {@code session_resume_window} without a resume. */
    EXPIRED(1099, "expired"),
    /** A newer session bound the same user ({@code session_duplicate_policy: replace}). */
    REPLACED(1101, "replaced"),
    /** This session bound a user who already had one ({@code session_duplicate_policy: refuse}). */
    REFUSED(1102, "refused"),
    /** More unacknowledged messages than {@code session_replay_buffer} / {@code session_replay_bytes}. */
    REPLAY_OVERFLOW(1103, "replay overflow"),
    /** The server application ended it ({@code session.close()} or {@code connection.close()}). */
    CLOSED_BY_SERVER(1006, "closed by server"),
    /** The server shut down. */
    SHUTDOWN(1009, "shutdown"),
    /**
     * The session moved to another node of a cluster (its client resumed there): it ends on this
     * node only and lives on there, so this is the one end that is not an offline for the user
     * (docs/CLUSTER.md, "Sessions that move between nodes"). Its connection, if open, is told 1105.
     */
    MOVED(1105, "moved");

    /** CLOSE code: a resume was refused (unknown, expired or already used token). Not a session end. */
    public static final int RESUME_REFUSED_CODE = 1104;
    /** CLOSE code: the session was resumed on another connection, which took it over. Not a session end. */
    public static final int TAKEN_OVER_CODE = 1105;
    /**
     * CLOSE code: a resume of a session that existed but cannot be recovered: it expired (no
     * resume within the window), ended otherwise, or its unacknowledged messages outgrew what is
     * kept, so a resume would leave a gap. The client starts a new session; what it had not had
     * acknowledged is reported lost (docs/PROTOCOL.md, Sessions). A token never issued gets 1104.
     */
    public static final int UNRECOVERABLE_CODE = 1106;

    private final int wireCode;
    private final String text;

    EndReason(int wireCode, String text) {
        this.wireCode = wireCode;
        this.text = text;
    }

    /** The code a CLOSE frame carries when this reason closes an open connection. */
    public int wireCode() {
        return wireCode;
    }

    /** Lower-case words, as in logs: {@code "replay overflow"}. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
