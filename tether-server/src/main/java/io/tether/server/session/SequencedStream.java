package io.tether.server.session;

import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.server.session.Session.State;
import io.tether.server.spi.SessionConnection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numbered messages of a sequenced session, both ways: what was sent and not yet acknowledged
 * (a {@link ReplayBuffer}), the sequence counters, the "pump" that writes messages in sequence
 * order on the current connection's event loop (so messages sent from any thread leave in order,
 * and a resume just points the pump at the new connection), and the ACK sent once per read batch.
 * Exists only for a sequenced session.
 *
 * <p>Guarded by its session's lock (the same monitor), so a resume, detach or end changes the
 * session and its stream in one step. Methods documented "caller holds the lock" are called from
 * the session's own locked sections.
 */
final class SequencedStream {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");
    private final SessionImpl session;
    private final ReplayBuffer out;
    private long outSeq;
    private long writtenSeq;
    private long inSeq;
    private boolean pumpScheduled;
    private boolean ackScheduled;

    SequencedStream(SessionImpl session, int replayMessages, long replayBytes) {
        this.session = session;
        this.out = new ReplayBuffer(replayMessages, replayBytes);
    }

    /**
     * Numbers and keeps {@code message}, and starts the pump if attached. False once ended, on
     * overflow (which ends the session), or for a message that alone is over the byte budget
     * ({@link #neverFits}: refused, the session goes on). With a {@link SessionStore} the store
     * numbers it, and it comes back through {@link #accept} once the store holds it.
     */
    boolean send(byte[] message) {
        String tooLarge = out.neverFits(message.length);
        if (tooLarge != null) {
            log.warn("{}: send refused: {}", session, tooLarge);
            return false;
        }
        SessionStore store = session.store();
        if (store != null) {
            return !session.isEnded() && store.append(session, message);
        }
        return accept(0, message);
    }

    /**
     * Keeps message {@code seq} (0: the next number; an old one again is ignored) and starts the
     * pump if attached. False once ended or on overflow, which ends the session.
     */
    boolean accept(long next, byte[] message) {
        SessionConnection pumpOn = null;
        String overflow = null;
        synchronized (session) {
            if (session.state() == State.ENDED) {
                return false;
            }
            long seq = next == 0 ? outSeq + 1 : next;
            if (seq <= outSeq) {
                return true; // the store told us twice
            }
            if (seq != outSeq + 1) {
                throw new IllegalStateException(session + ": message " + seq + " after " + outSeq + " from the session store");
            }
            if (!out.add(seq, message)) {
                overflow = out.describeLimit(message.length);
            } else {
                outSeq = seq;
                SessionConnection c = session.conn();
                if (c != null && !pumpScheduled) {
                    pumpScheduled = true;
                    pumpOn = c;
                }
            }
        }
        if (overflow != null) {
            session.end(EndReason.REPLAY_OVERFLOW, overflow, null);
            return false;
        }
        if (pumpOn != null) {
            SessionConnection c = pumpOn;
            c.executor().execute(() -> pump(c));
        }
        return true;
    }

    /**
     * On {@code c}'s event loop: writes the messages not yet written to it, in order, while it is
     * writable (under buffer_high_watermark); the rest wait in the replay buffer, once, until
     * {@link #writable} runs the pump again.
     */
    void pump(SessionConnection c) {
        List<ReplayBuffer.Entry> batch;
        synchronized (session) {
            if (session.conn() != c) {
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
                break; // the client is behind; go on when it drains
            }
            c.write(new Frame.SeqData(e.seq(), e.payload()));
            written = e.seq();
        }
        if (written > 0) {
            synchronized (session) {
                if (session.conn() == c && written > writtenSeq) {
                    writtenSeq = written; // before the flush, which may find the connection writable again
                }
            }
        }
        c.flush();
    }

    /** {@code c} drained under buffer_low_watermark (on its loop): write what waited, in a task of its own. */
    void writable(SessionConnection c) {
        synchronized (session) {
            if (session.conn() != c || writtenSeq >= outSeq || pumpScheduled) {
                return;
            }
            pumpScheduled = true;
        }
        // Not inline: this runs inside a flush, and a pump flushes too.
        c.executor().execute(() -> pump(c));
    }

    /** A SEQ_DATA or ACK from {@code c}; returns the payload to deliver, or null. */
    byte[] onFrame(SessionConnection c, Frame f) {
        if (f instanceof Frame.Ack a) {
            synchronized (session) {
                if (session.conn() != c) {
                    return null;
                }
                if (a.seq() > outSeq) {
                    throw new ProtocolException("ACK " + a.seq() + " for messages never sent (last sent " + outSeq + ")");
                }
                out.dropThrough(a.seq());
            }
            SessionStore store = session.store();
            if (store != null) {
                store.acked(session, a.seq());
            }
            return null;
        }
        Frame.SeqData d = (Frame.SeqData) f;
        boolean ackNow;
        byte[] deliver = null;
        synchronized (session) {
            if (session.conn() != c || session.state() != State.ATTACHED) {
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
        synchronized (session) {
            ackScheduled = false;
            if (session.conn() != c) {
                return;
            }
            seq = inSeq;
        }
        SessionStore store = session.store();
        if (store == null) {
            writeAck(c, seq);
            return;
        }
        // The ACK lets the client forget its messages: only once the store holds where we are.
        store.commit(session, seq).whenComplete((receipt, e) -> c.executor().execute(() -> {
            if (e != null) {
                log.debug("{}: receipt up to {} not stored ({}); the ACK waits for the next one", session, seq, e.toString());
            } else if (receipt == SessionStore.Receipt.MOVED) {
                session.end(EndReason.MOVED, "another node owns it now", null);
            } else if (receipt == SessionStore.Receipt.GONE) {
                session.end(EndReason.LOST, "the session store no longer holds it (Redis lost its data?)", null);
            } else if (session.conn() == c) {
                writeAck(c, seq);
            }
        }));
    }

    private static void writeAck(SessionConnection c, long seq) {
        if (c.isOpen()) {
            c.write(new Frame.Ack(seq));
            c.flush();
        }
    }

    /** The client's last message received in order. */
    long lastReceived() {
        synchronized (session) {
            return inSeq;
        }
    }

    /**
     * A session arriving from another process: the counters and unacknowledged messages it had
     * there. False when they are more than this server's replay bounds hold. Before the session
     * is reachable, so unlocked.
     */
    boolean restore(long in, long acked, List<byte[]> unacked) {
        inSeq = in;
        outSeq = acked;
        writtenSeq = acked;
        for (byte[] p : unacked) {
            if (!out.add(++outSeq, p)) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code length} bytes can never be sent on this stream, or null (the budget is fixed: no lock needed). */
    String neverFits(int length) {
        return out.neverFits(length);
    }

    /** Messages sent and not yet acknowledged. Caller holds the lock. */
    int unacked() {
        return out.size();
    }

    /** Payload bytes sent and not yet acknowledged. Caller holds the lock. */
    long unackedBytes() {
        return out.bytes();
    }

    /** Why a client that received up to {@code receivedSeq} cannot resume, or null if it can. Caller holds the lock. */
    String refusal(long receivedSeq) {
        long acked = outSeq - out.size();
        if (receivedSeq < acked || receivedSeq > outSeq) {
            return "received seq " + receivedSeq + " is outside " + acked + ".." + outSeq;
        }
        return null;
    }

    /**
     * A resume: drops what the client has, and sets the pump to replay everything after
     * {@code receivedSeq} once the WELCOME is out. Returns the last sequence received from the
     * client. Caller holds the lock.
     */
    long resumeFrom(long receivedSeq) {
        out.dropThrough(receivedSeq);
        writtenSeq = receivedSeq;
        pumpScheduled = true;
        ackScheduled = false;
        return inSeq;
    }

    /** The connection was lost: nothing is scheduled on it any more. Caller holds the lock. */
    void detached() {
        pumpScheduled = false;
        ackScheduled = false;
    }

    /** The session ended: drops the unacknowledged messages. Caller holds the lock. */
    void clear() {
        out.clear();
    }
}
