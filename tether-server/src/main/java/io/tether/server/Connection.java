package io.tether.server;

import io.tether.core.transport.SocketOptions;
import java.util.concurrent.CompletableFuture;

/** One accepted client connection. Safe to use from any thread. */
public interface Connection {

    /** Unique for the server's lifetime; never reused. */
    long id();

    /**
     * Sends one message: a line ({@code \n} appended) in line mode, a DATA frame in frame mode,
     * the bytes as they are in raw mode. Completes when written to the socket, or exceptionally
     * if the connection is closed.
     */
    CompletableFuture<Void> send(byte[] message);

    /** {@link #send(byte[])} of the UTF-8 bytes of {@code text}. */
    CompletableFuture<Void> send(String text);

    /**
     * Closes the connection with reason CLOSED_BY_SERVER after what was already sent is flushed.
     * A frame-mode client is told why with a CLOSE frame first.
     */
    void close();

    boolean isOpen();

    /** How this connection is framed; AUTO until its first byte has arrived. */
    Framing framing();

    ConnectionInfo info();

    /** The keepalive options in force on the socket, read back from the kernel. */
    SocketOptions socketOptions();
}
