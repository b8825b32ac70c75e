package io.tether.server;

import java.io.IOException;

/**
 * Why a {@link Connection#send} failed: the connection was closed as a slow consumer (close
 * reason {@code slow consumer}) before the message reached the socket. The client was not
 * reading what the server sent: its queued outbound bytes went over {@code outbound_hard_limit},
 * or stayed over {@code max_outbound_bytes} for {@code outbound_soft_time} (docs/CONFIG.md). The
 * message, and everything else still queued for that connection, was dropped and released.
 */
public final class SlowConsumerException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long connectionId;
    private final String detail;

    /**
     * @param detail how many bytes were queued and which limit they went over, e.g.
     *               {@code "4194400 bytes queued, over outbound_hard_limit 4194304"}
     */
    public SlowConsumerException(long connectionId, String detail) {
        super("connection " + connectionId + " was closed as a slow consumer (" + detail + "); the message was not sent");
        this.connectionId = connectionId;
        this.detail = detail;
    }

    public long connectionId() {
        return connectionId;
    }

    /** The queued bytes and the limit they went over, as in the close reason's detail. */
    public String detail() {
        return detail;
    }

    /** One per dropped message, possibly thousands at once: no stack trace to fill (it would name Netty's internals anyway). */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
