package io.tether.server.internal;

import io.tether.core.close.CloseInfo;
import io.tether.core.protocol.Frame;
import java.util.concurrent.CompletableFuture;

/**
 * Where a connection hands its session-relevant moments to the session layer
 * ({@code io.tether.server.session}). Called on the connection's event loop unless noted.
 */
public interface SessionHooks {

    /**
     * A HELLO arrived. The session layer answers with {@link ServerConnection#sendWelcome} ({@code plain}
     * with a resume token, resumed flag and received sequence added), now or later on the event
     * loop (a takeover first lets the old connection's loop finish), or closes the connection.
     */
    void hello(ServerConnection conn, Frame.Hello hello, Frame.Welcome plain);

    /** A line or raw connection is ready to carry messages (it gets a session that cannot resume). */
    void opened(ServerConnection conn);

    /**
     * A SEQ_DATA or ACK frame from a sequenced connection. Returns the payload to deliver to the
     * handler, or null when there is nothing to deliver (an ACK, a duplicate).
     */
    byte[] frame(ServerConnection conn, Frame frame);

    /** {@code conn.send} on a sequenced connection, from any thread. */
    CompletableFuture<Void> send(ServerConnection conn, byte[] message);

    /**
     * The connection is gone (before its onClose fires). {@code closeFrameReceived}: the client
     * said goodbye with a CLOSE frame, the only graceful end for a session.
     */
    void closed(ServerConnection conn, CloseInfo info, boolean closeFrameReceived);
}
