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
     * if the connection is closed: with {@link SlowConsumerException} when it was closed because
     * the client did not read what it was sent (close reason {@code slow consumer}).
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

    /**
     * False while more than {@code buffer_high_watermark} bytes are queued for the client: the
     * server has stopped reading from the connection until the queue drains below
     * {@code buffer_low_watermark}. Sends still queue (up to {@code outbound_hard_limit}); a
     * producer that can wait should, until this turns true again.
     */
    boolean isWritable();

    /** How this connection is framed; AUTO until its first byte has arrived. */
    Framing framing();

    /**
     * What carries the connection's bytes, as metrics label it: {@code tcp} for a plain TCP
     * socket; a transport that wraps it (TLS, WebSocket) names itself.
     */
    default String transport() {
        return "tcp";
    }

    ConnectionInfo info();

    /** The keepalive options in force on the socket, read back from the kernel. */
    SocketOptions socketOptions();
}
