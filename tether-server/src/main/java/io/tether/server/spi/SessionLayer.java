package io.tether.server.spi;

import io.tether.core.close.CloseInfo;
import io.tether.core.protocol.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * The session layer as a connection sees it: the moments of a connection's life that sessions
 * care about. The connection only emits these; it knows nothing else of sessions, and the session
 * layer acts on the connection only through {@link SessionConnection}. Absent (null) when sessions
 * are off, so a connection then allocates nothing for them.
 *
 * <p>Called on the connection's event loop unless noted.
 */
public interface SessionLayer {

    /** A line or raw connection is ready to carry messages. */
    void opened(SessionConnection conn);

    /**
     * A HELLO arrived whose session fields are well formed ({@link Frame.Hello#resumeProblem()} is
     * null: the connection refuses any other with CLOSE 1104 itself). The layer answers with
     * {@link SessionConnection#welcome} ({@code plain} with a resume token, resumed flag and received
     * sequence added), now or later on the event loop, or closes the connection.
     */
    void hello(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain);

    /**
     * A SEQ_DATA or ACK frame from a sequenced connection. Returns the payload to deliver to the
     * application, or null when there is nothing to deliver (an ACK, a duplicate).
     *
     * @throws io.tether.core.protocol.ProtocolException when the frame breaks the sequence rules
     */
    byte[] sequenced(SessionConnection conn, Frame frame);

    /**
     * The connection's outbound queue drained below {@code buffer_low_watermark} after it went over
     * {@code buffer_high_watermark} ({@link SessionConnection#isWritable()} is true again): a writer
     * that stopped may go on.
     */
    void writable(SessionConnection conn);

    /** {@code conn.send} on a sequenced connection, from any thread. */
    CompletableFuture<Void> send(SessionConnection conn, byte[] message);

    /**
     * The connection is gone (before the application's onClose). {@code closeFrameReceived}: the
     * client said goodbye with a CLOSE frame, the only graceful end for a session.
     */
    void closed(SessionConnection conn, CloseInfo info, boolean closeFrameReceived);
}
