package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.server.session.Session.State;
import io.tether.server.spi.SessionConnection;

/**
 * How a resumable session comes back: the token that resumes it now (issued, put back, rotated,
 * revoked), the resume itself, how often it happened, and while detached, when the window runs out
 * and how the connection was lost; it is the session's entry on the {@link ExpiryTimer}'s wheel.
 * Only resumable sessions have one, so a line or plain session carries none of this.
 *
 * <p>Guarded by the session's lock (the same monitor), so a resume, detach or end changes the
 * session, its stream and this in one step, and a token cannot outlive the session's end.
 */
final class Resumption extends DeadlineWheel.Entry {
    /** What a resume attempt came to: the connection taken over (or null), and the client's last seq we have. */
    record Outcome(SessionConnection previous, long inSeq, String refusal) {
        static Outcome refused(String why) {
            return new Outcome(null, 0, why);
        }
    }

    private final SessionImpl session;
    private final SessionManager layer;
    private String tokenKey;
    private int resumes;
    private long expiresAt;
    private CloseInfo lostWith;

    Resumption(SessionImpl session, SessionManager layer) {
        this.session = session;
        this.layer = layer;
    }

    /** Losses a client may come back from: anything the network or the peer's death causes. */
    static boolean survives(CloseReason r) {
        switch (r) {
            case PEER_CLOSED: case PEER_RESET: case IDLE_TIMEOUT: case KEEPALIVE_TIMEOUT: case USER_TIMEOUT:
            case PING_TIMEOUT: case UNREACHABLE: case ERROR:
            case SLOW_CONSUMER: // it fell behind (a stalled app, a slow link): it may resume and catch up from the buffer
                return true;
            default:
                return false;
        }
    }

    /** Registers the session's first token. */
    void issue(String key) {
        synchronized (session) {
            tokenKey = key;
            layer.tokens.put(key, session);
        }
    }

    /**
     * The client is back on {@code c} with a token that was claimed for this session, having
     * received up to {@code receivedSeq}. Moves the session there, rotates the token, and sets the
     * stream to replay everything after {@code receivedSeq} (the pump starts once the WELCOME is out).
     */
    Outcome resume(SessionConnection c, long receivedSeq, String newTokenKey) {
        synchronized (session) {
            if (session.isEnded()) {
                return Outcome.refused("the session has ended");
            }
            SequencedStream stream = session.stream();
            String refusal = stream.refusal(receivedSeq);
            if (refusal != null) {
                layer.tokens.put(tokenKey, session); // the owner with a confused client, not an attacker
                return Outcome.refused(refusal);
            }
            SessionConnection previous = session.attachTo(c);
            long in = stream.resumeFrom(receivedSeq);
            layer.tokens.revoke(tokenKey, session); // claimed already, unless a store resolved the token
            tokenKey = newTokenKey;
            layer.tokens.put(newTokenKey, session);
            resumes++;
            return new Outcome(previous, in, null);
        }
    }

    /** Caller holds the session's lock. */
    int resumes() {
        return resumes;
    }

    /**
     * The session detached after {@code info}: starts its window and returns when it runs out.
     * Caller holds the session's lock.
     */
    long detached(CloseInfo info) {
        lostWith = info;
        expiresAt = System.nanoTime() + layer.windowNanos;
        return expiresAt;
    }

    /** The expiry wheel reached the session: ends it if it is still detached and due. */
    long expiryDue(long now) {
        CloseInfo lost;
        synchronized (session) {
            if (session.state() != State.DETACHED) {
                return DeadlineWheel.NONE;
            }
            if (now - expiresAt < 0) {
                return expiresAt;
            }
            lost = lostWith;
        }
        session.end(EndReason.EXPIRED, "no resume within " + layer.windowNanos / 1_000_000 + " ms after " + lost, lost);
        return DeadlineWheel.NONE;
    }

    /**
     * The session ended with {@code reason}: its token resumes nothing, and a resume with it hears
     * why (unless it moved on to another node). Returns how its last connection was lost (null if
     * it never detached). Caller holds the session's lock.
     */
    CloseInfo ended(EndReason reason) {
        if (tokenKey != null) {
            layer.tokens.revoke(tokenKey, session);
            if (reason != EndReason.MOVED) {
                layer.tokens.ended(tokenKey, reason.text());
            }
        }
        return lostWith;
    }
}
