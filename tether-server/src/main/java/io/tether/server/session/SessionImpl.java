package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.server.Connection;
import io.tether.server.spi.SessionConnection;
import io.tether.core.concurrent.SerialExecutor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A session and its two sequence streams. Mutable state is guarded by {@code this}; the lock is
 * held only for bookkeeping, never while calling the application. Frames are written on the
 * current connection's event loop by a "pump" task, so messages queued from any thread leave in
 * sequence order, and a resume simply points the pump at the new connection from the first
 * unacknowledged message. The pump writes only while the connection is writable (under
 * buffer_high_watermark) and goes on when it drains: what the client has not taken yet waits once,
 * in the replay buffer, not a second time in the connection's outbound queue.
 */
final class SessionImpl extends DeadlineWheel.Entry implements Session {
    private final SessionManager mgr;
    private final String id;
    private final boolean sequenced;
    private final boolean resumable;
    private final ConcurrentMap<String, Object> attributes = new ConcurrentHashMap<>();
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    final SerialExecutor events;
    private volatile String userId;
    private volatile State state = State.ATTACHED;
    private volatile SessionConnection conn;
    private volatile SessionEnd end;

    // guarded by this
    private final ReplayBuffer out;
    private String tokenKey;
    private long outSeq;
    private long writtenSeq;
    private long inSeq;
    private boolean pumpScheduled;
    private boolean ackScheduled;
    private boolean onlineFired;
    private long expiresAt;
    private CloseInfo lostWith;
    private int resumes;

    SessionImpl(SessionManager mgr, String id, SessionConnection conn, boolean sequenced, boolean resumable) {
        this.mgr = mgr;
        this.id = id;
        this.conn = conn;
        this.sequenced = sequenced;
        this.resumable = resumable;
        this.out = new ReplayBuffer(mgr.replayMessages, mgr.replayBytes);
        this.events = new SerialExecutor(mgr.eventExecutor);
    }

    // ------------------------------------------------------------------ Session API

    @Override
    public String id() {
        return id;
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
        return mgr.bind(this, user);
    }

    @Override
    public boolean join(String group) {
        return mgr.join(this, group);
    }

    @Override
    public boolean leave(String group) {
        return mgr.leave(this, group);
    }

    Set<String> groupSet() {
        return groups;
    }

    @Override
    public Set<String> groups() {
        return Set.copyOf(groups);
    }

    @Override
    public ConcurrentMap<String, Object> attributes() {
        return attributes;
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

    @Override
    public boolean resumable() {
        return resumable;
    }

    @Override
    public synchronized int resumes() {
        return resumes;
    }

    /** Messages sent and not yet acknowledged by the client. */
    synchronized int unacked() {
        return out.size();
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
    public boolean send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean send(byte[] message) {
        if (!sequenced) {
            SessionConnection c = conn;
            if (c == null || state == State.ENDED) {
                return false;
            }
            c.sendPlain(message);
            return true;
        }
        SessionConnection pumpOn = null;
        String overflow = null;
        synchronized (this) {
            if (state == State.ENDED) {
                return false;
            }
            if (!out.add(outSeq + 1, message)) {
                overflow = out.describeLimit(message.length);
            } else {
                outSeq++;
                if (conn != null && !pumpScheduled) {
                    pumpScheduled = true;
                    pumpOn = conn;
                }
            }
        }
        if (overflow != null) {
            end(EndReason.REPLAY_OVERFLOW, overflow, null);
            return false;
        }
        if (pumpOn != null) {
            schedulePump(pumpOn);
        }
        return true;
    }

    @Override
    public String toString() {
        String u = userId;
        return "session " + id + (u == null ? "" : " (user " + u + ")");
    }

    // ------------------------------------------------------------------ sequencing

    private void schedulePump(SessionConnection c) {
        c.executor().execute(() -> pump(c));
    }

    /**
     * On {@code c}'s event loop: writes the messages not yet written to it, in order, while it is
     * writable; the rest wait in the replay buffer until {@link #writable} runs the pump again.
     */
    private void pump(SessionConnection c) {
        List<ReplayBuffer.Entry> batch;
        synchronized (this) {
            if (conn != c) {
                return;
            }
            pumpScheduled = false;
            batch = out.after(writtenSeq);
        }
        if (!c.isOpen() || batch.isEmpty()) {
            return; // closing: the messages wait in the buffer for a resume
        }
        long written = -1;
        for (ReplayBuffer.Entry e : batch) {
            if (!c.isWritable()) {
                break; // over buffer_high_watermark: the client is behind; go on when it drains
            }
            c.write(new Frame.SeqData(e.seq(), e.payload()));
            written = e.seq();
        }
        if (written > 0) {
            synchronized (this) {
                if (conn == c && written > writtenSeq) {
                    writtenSeq = written; // before the flush, which may find the connection writable again
                }
            }
        }
        c.flush();
    }

    /** {@code c} drained under buffer_low_watermark (on its loop): write what waited, in a task of its own. */
    void writable(SessionConnection c) {
        synchronized (this) {
            if (conn != c || writtenSeq >= outSeq || pumpScheduled) {
                return;
            }
            pumpScheduled = true;
        }
        // Not inline: this runs inside a flush, and a pump flushes too.
        schedulePump(c);
    }

    /** A SEQ_DATA or ACK from {@code c}; returns the payload to deliver, or null. */
    byte[] onFrame(SessionConnection c, Frame f) {
        if (f instanceof Frame.Ack a) {
            synchronized (this) {
                if (conn != c) {
                    return null;
                }
                if (a.seq() > outSeq) {
                    throw new ProtocolException("ACK " + a.seq() + " for messages never sent (last sent " + outSeq + ")");
                }
                out.dropThrough(a.seq());
            }
            return null;
        }
        Frame.SeqData d = (Frame.SeqData) f;
        boolean ackNow;
        byte[] deliver = null;
        synchronized (this) {
            if (conn != c || state != State.ATTACHED) {
                return null; // a connection this session has left: the client resends on its new one
            }
            if (d.seq() > inSeq + 1) {
                throw new ProtocolException("SEQ_DATA " + d.seq() + " after " + inSeq + ": sequence numbers must not skip");
            }
            if (d.seq() == inSeq + 1) {
                inSeq = d.seq();
                deliver = d.payload();
            }
            ackNow = !ackScheduled;
            ackScheduled = true;
        }
        if (ackNow) {
            // Runs after the current read batch: one ACK covers every message of the batch.
            c.executor().execute(() -> flushAck(c));
        }
        return deliver;
    }

    private void flushAck(SessionConnection c) {
        long seq;
        synchronized (this) {
            ackScheduled = false;
            if (conn != c) {
                return;
            }
            seq = inSeq;
        }
        if (c.isOpen()) {
            c.write(new Frame.Ack(seq));
            c.flush();
        }
    }

    // ------------------------------------------------------------------ lifecycle

    /** Registers the first token (under the lock, so an end cannot leave it behind). */
    synchronized void issueToken(String key) {
        tokenKey = key;
        mgr.tokens.put(key, this);
    }

    /** What a resume attempt came to. */
    record Resume(SessionConnection previous, long inSeq, String refusal) {
    }

    /**
     * The client is back on {@code c} with a token that was claimed for this session, having
     * received up to {@code receivedSeq}. Moves the session there, rotates the token, and sets the
     * pump to replay everything after {@code receivedSeq}.
     */
    Resume resume(SessionConnection c, long receivedSeq, String newTokenKey) {
        SessionConnection previous;
        long in;
        synchronized (this) {
            if (state == State.ENDED) {
                return new Resume(null, 0, "the session has ended");
            }
            long acked = outSeq - out.size();
            if (receivedSeq < acked || receivedSeq > outSeq) {
                // Put the token back: this is the owner with a confused client, not an attacker.
                mgr.tokens.put(tokenKey, this);
                return new Resume(null, 0, "received seq " + receivedSeq + " is outside " + acked + ".." + outSeq);
            }
            previous = conn;
            conn = c;
            state = State.ATTACHED;
            out.dropThrough(receivedSeq);
            writtenSeq = receivedSeq;
            pumpScheduled = true;
            ackScheduled = false;
            tokenKey = newTokenKey;
            mgr.tokens.put(newTokenKey, this);
            resumes++;
            in = inSeq;
        }
        return new Resume(previous, in, null); // the pump starts once the WELCOME is out
    }

    /** The WELCOME went out on {@code c} (on its loop): start the replay, tell the listeners. */
    void welcomed(SessionConnection c, boolean resumed) {
        boolean first;
        synchronized (this) {
            if (conn != c) {
                return;
            }
            first = !onlineFired;
            onlineFired = true;
        }
        if (resumed) {
            pump(c);
        }
        if (first) {
            mgr.fireOnline(this, c);
        } else {
            mgr.fireResumed(this, c);
        }
    }

    /** Connection {@code c} is gone. Detach (abnormal loss of a resumable session) or end. */
    void connectionLost(SessionConnection c, CloseInfo info, boolean closeFrame) {
        boolean detach;
        synchronized (this) {
            if (conn != c || state != State.ATTACHED) {
                return; // taken over by a resume, or already ended
            }
            detach = !closeFrame && resumable && detachable(info.reason());
            if (detach) {
                conn = null;
                state = State.DETACHED;
                lostWith = info;
                expiresAt = System.nanoTime() + mgr.windowNanos;
                pumpScheduled = false;
                ackScheduled = false;
            }
        }
        if (detach) {
            mgr.timer.schedule(this, expiresAt);
            mgr.fireDetached(this, info);
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

    /** Losses a client may come back from: anything the network or the peer's death causes. */
    private static boolean detachable(CloseReason r) {
        switch (r) {
            case PEER_CLOSED: case PEER_RESET: case IDLE_TIMEOUT: case KEEPALIVE_TIMEOUT: case USER_TIMEOUT:
            case PING_TIMEOUT: case UNREACHABLE: case ERROR:
            case SLOW_CONSUMER: // it fell behind (a stalled app, a slow link): it may resume and catch up from the buffer
                return true;
            default:
                return false;
        }
    }

    /** The expiry wheel reached this session. */
    static long onExpiryDue(SessionImpl s, long now) {
        return s.expiryDue(now);
    }

    private long expiryDue(long now) {
        CloseInfo lost;
        synchronized (this) {
            if (state != State.DETACHED) {
                return DeadlineWheel.NONE;
            }
            if (now - expiresAt < 0) {
                return expiresAt;
            }
            lost = lostWith;
        }
        end(EndReason.EXPIRED, "no resume within " + mgr.windowNanos / 1_000_000 + " ms after " + lost, lost);
        return DeadlineWheel.NONE;
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
            e = new SessionEnd(reason, detail, lastClose != null ? lastClose : lostWith);
            end = e;
            if (tokenKey != null) {
                mgr.tokens.remove(tokenKey, this);
            }
            out.clear();
        }
        mgr.unregister(this);
        if (c != null) {
            CloseReason cr = reason == EndReason.SHUTDOWN ? CloseReason.SHUTDOWN : CloseReason.CLOSED_BY_SERVER;
            c.close(cr, "session " + reason.text() + (detail.isEmpty() ? "" : ": " + detail), reason.wireCode());
        }
        mgr.fireOffline(this, e);
        return true;
    }
}
