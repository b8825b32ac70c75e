package io.tether.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One received message: a line without its terminator (line mode), a DATA frame's payload
 * (frame mode), or the bytes of one read (raw mode). The bytes are the handler's to keep.
 */
public final class Message {
    private final byte[] bytes;
    private final long seq;

    public Message(byte[] bytes) {
        this(bytes, 0);
    }

    /** A message of a sequenced session, with the client's sequence number. */
    public Message(byte[] bytes, long seq) {
        this.bytes = bytes;
        this.seq = seq;
    }

    /**
     * The client's sequence number of a message on a sequenced session (1, 2, 3, ... across every
     * connection of the session), 0 otherwise. On a cluster a node's death can deliver a message
     * a second time, on the node the session resumes on, with the same number: an application
     * whose effects must happen once keys them by session and this number (docs/SESSIONS.md).
     */
    public long seq() {
        return seq;
    }

    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    /** The bytes as UTF-8 text. */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && Arrays.equals(m.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return text();
    }
}
