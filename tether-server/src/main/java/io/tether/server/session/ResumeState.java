package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.liveness.DeadlineWheel;

/**
 * What a resumable session keeps to be resumed: its current token, how often it resumed, and while
 * detached, when its window runs out and how its connection was lost. It is also the session's
 * entry on the {@link ExpiryTimer}'s wheel. Only resumable sessions have one, so a line or plain
 * session carries none of this. Guarded by the session's lock.
 */
final class ResumeState extends DeadlineWheel.Entry {
    final SessionImpl session;
    /** The key of the token that resumes the session now. */
    String tokenKey;
    int resumes;
    /** While detached: when the window runs out (nanoTime). */
    long expiresAt;
    /** How the last connection was lost (set on detach). */
    CloseInfo lostWith;

    ResumeState(SessionImpl session) {
        this.session = session;
    }
}
