package io.tether.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One received message: a line without its terminator (line mode), a DATA frame's payload
 * (frame mode), or the bytes of one read (raw mode). The bytes are the handler's to keep.
 */
public final class Message {
    private final byte[] bytes;

    public Message(byte[] bytes) {
        this.bytes = bytes;
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
