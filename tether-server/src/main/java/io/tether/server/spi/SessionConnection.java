package io.tether.server.spi;

import io.netty.util.concurrent.EventExecutor;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import java.util.concurrent.CompletableFuture;

/**
 * What the session layer may do with a connection: the public {@link Connection} plus the few
 * wire-level acts a session needs (WELCOME, its numbered frames, a close with a session code).
 * Nothing here exposes the connection's internals.
 */
public interface SessionConnection extends Connection {

    /** The event loop the connection lives on; frames are written from it. */
    EventExecutor executor();

    /**
     * Sends the WELCOME; afterwards sends go through the session layer if it is sequenced. On the
     * event loop. Returns false (sending nothing) once the connection is closing.
     */
    boolean welcome(Frame.Welcome welcome);

    /** Queues a frame (SEQ_DATA, ACK) without flushing. On the event loop. */
    void write(Frame frame);

    /** Flushes queued frames. On the event loop. */
    void flush();

    /** Sends without the session layer: a line, a DATA frame or raw bytes. Any thread. */
    CompletableFuture<Void> sendPlain(byte[] message);

    /**
     * Closes with {@code reason} unless a reason was already decided, telling a frame client
     * {@code wireCode} in its CLOSE frame (the session codes, 1100 and up; 0 for the reason's own).
     * Any thread.
     */
    void close(CloseReason reason, String detail, int wireCode);
}
