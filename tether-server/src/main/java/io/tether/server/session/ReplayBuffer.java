package io.tether.server.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages sent to a client and not yet acknowledged, in sequence order, bounded by count and
 * bytes. Not thread safe: its session guards it.
 */
final class ReplayBuffer {
    record Entry(long seq, byte[] payload) {
    }

    /** Created by the first message: a session that never sends has none. */
    private ArrayDeque<Entry> entries;
    private final int maxMessages;
    private final long maxBytes;
    private long bytes;

    ReplayBuffer(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /**
     * Why a message of {@code length} bytes can never be held, however much is acknowledged (it
     * alone is over session_replay_bytes), or null.
     */
    String neverFits(int length) {
        return length > maxBytes ? "message of " + length + " bytes exceeds session_replay_bytes " + maxBytes
                + ": a sequenced session could never hold it for replay" : null;
    }

    /** Appends, or returns false (appending nothing) when the message would exceed a bound. */
    boolean add(long seq, byte[] payload) {
        if (size() + 1 > maxMessages || bytes + payload.length > maxBytes) {
            return false;
        }
        if (entries == null) {
            entries = new ArrayDeque<>();
        }
        entries.addLast(new Entry(seq, payload));
        bytes += payload.length;
        return true;
    }

    /** Drops every entry up to and including {@code seq} (the client acknowledged them). */
    void dropThrough(long seq) {
        if (entries == null) {
            return;
        }
        Entry e;
        while ((e = entries.peekFirst()) != null && e.seq() <= seq) {
            entries.pollFirst();
            bytes -= e.payload().length;
        }
    }

    /** The entries after {@code seq}, in order. */
    List<Entry> after(long seq) {
        List<Entry> out = new ArrayList<>();
        if (entries == null) {
            return out;
        }
        // Unsent entries are at the tail: walk back to the first one, then forward.
        var it = entries.descendingIterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.seq() <= seq) {
                break;
            }
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    int size() {
        return entries == null ? 0 : entries.size();
    }

    long bytes() {
        return bytes;
    }

    String describeLimit(int extraBytes) {
        return size() + 1 > maxMessages
                ? "more than " + maxMessages + " unacknowledged messages (session_replay_buffer)"
                : (bytes + extraBytes) + " unacknowledged bytes exceed session_replay_bytes " + maxBytes;
    }

    void clear() {
        entries = null;
        bytes = 0;
    }
}
