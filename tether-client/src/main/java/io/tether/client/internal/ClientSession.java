package io.tether.client.internal;

import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The client's side of a resumable server session (docs/PROTOCOL.md, Sessions): the resume token,
 * the numbered messages sent and not yet acknowledged (resent after a resume), and the highest
 * server message received (duplicates are dropped). Outlives connections; thread safe (the
 * send path runs on any thread, the receive path on the event loop).
 */
public final class ClientSession {
    private record Unacked(long seq, byte[] payload, CompletableFuture<Void> future) {
    }

    private final ArrayDeque<Unacked> unacked = new ArrayDeque<>();
    private byte[] token;
    private long nextSeq = 1;
    private long received;
    private long ackedSent;
    private boolean sequenced;

    /** HELLO for the next connection: with the token and received seq to resume, or asking for a new session. */
    public synchronized Frame.Hello hello(String clientName, long heartbeatMillis) {
        return new Frame.Hello(clientName, heartbeatMillis, token, token == null ? 0 : received);
    }

    /**
     * WELCOME arrived. Returns the messages to resend, in order (a resume), or an empty list. A
     * WELCOME that starts a new session fails what the old one had not acknowledged with
     * {@code lost} (the server may or may not have had it) and starts numbering afresh.
     */
    public synchronized List<Frame.SeqData> welcome(Frame.Welcome w, Throwable lost) {
        sequenced = w.sequenced();
        if (!sequenced) {
            token = null;
            failAll(lost);
            return List.of();
        }
        byte[] t = w.resumeToken();
        token = t.length == 0 ? null : t;
        List<Frame.SeqData> resend = new ArrayList<>();
        if (w.resumed()) {
            acked(w.receivedSeq());
            for (Unacked u : unacked) {
                resend.add(new Frame.SeqData(u.seq, u.payload));
            }
        } else {
            failAll(lost);
            nextSeq = 1;
            received = 0;
        }
        ackedSent = received;
        return resend;
    }

    /** True while the current connection's session is sequenced: send SEQ_DATA. */
    public synchronized boolean sequenced() {
        return sequenced;
    }

    /** Numbers a message and keeps it until acknowledged; its future completes on the ACK. */
    public synchronized Frame.SeqData number(byte[] payload, CompletableFuture<Void> future) {
        Unacked u = new Unacked(nextSeq++, payload, future);
        unacked.addLast(u);
        return new Frame.SeqData(u.seq, payload);
    }

    /**
     * An ACK frame from the server: completes what it covers. An ACK of a number never sent breaks
     * the protocol, as it does at the server (docs/PROTOCOL.md, Acknowledgements).
     */
    public void ackFrame(long seq) {
        synchronized (this) {
            if (seq >= nextSeq) {
                throw new ProtocolException("ACK " + seq + " for messages never sent (last sent " + (nextSeq - 1) + ")");
            }
        }
        acked(seq);
    }

    /** The server has our messages up to {@code seq}: completes what it covers. */
    public void acked(long seq) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            Unacked u;
            while ((u = unacked.peekFirst()) != null && u.seq <= seq) {
                unacked.pollFirst();
                done.add(u.future);
            }
        }
        done.forEach(f -> f.complete(null)); // outside the lock: callers' continuations may send
    }

    /** A SEQ_DATA from the server: its payload if new, null for a duplicate; a gap breaks the protocol. */
    public synchronized byte[] receive(Frame.SeqData d) {
        if (d.seq() <= received) {
            return null;
        }
        if (d.seq() != received + 1) {
            throw new ProtocolException("SEQ_DATA " + d.seq() + " after " + received + ": sequence numbers must not skip");
        }
        received = d.seq();
        return d.payload();
    }

    /** The ACK to send after a read batch, or null when everything received is acknowledged. */
    public synchronized Frame.Ack ackDue() {
        if (received <= ackedSent) {
            return null;
        }
        ackedSent = received;
        return new Frame.Ack(received);
    }

    /**
     * The server ended the session (or refused to resume it): the next connection starts a new one,
     * and what this one had not acknowledged fails now with {@code lost}, since no ACK for it can
     * come any more (it is not resent: the new session's server cannot know whether it arrived).
     */
    public void ended(Throwable lost) {
        synchronized (this) {
            token = null;
            sequenced = false;
        }
        failAll(lost);
    }

    /** Messages sent and not yet acknowledged. */
    public synchronized int unacknowledged() {
        return unacked.size();
    }

    /** The client closed: fail what was never acknowledged. */
    public void close(Throwable cause) {
        synchronized (this) {
            token = null;
            sequenced = false;
        }
        failAll(cause);
    }

    private void failAll(Throwable cause) {
        List<CompletableFuture<Void>> failed = new ArrayList<>();
        synchronized (this) {
            for (Unacked u : unacked) {
                failed.add(u.future);
            }
            unacked.clear();
        }
        failed.forEach(f -> f.completeExceptionally(cause));
    }
}
