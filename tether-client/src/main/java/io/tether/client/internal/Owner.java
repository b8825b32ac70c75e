package io.tether.client.internal;

import io.tether.core.close.CloseInfo;
import io.tether.core.protocol.Frame;

/** What a connection tells the client that owns it. Every call comes on the connection's event loop. */
public interface Owner {

    /** The handshake is done (WELCOME, or the socket is up in line mode); {@code welcome} is null in line mode. */
    void onReady(ClientConnection conn, Frame.Welcome welcome);

    /** A DATA frame or a line. */
    void onMessage(ClientConnection conn, byte[] message);

    /**
     * The server said the client pings too often ({@code serverMinMillis}, 0 when unknown). Returns
     * the heartbeat interval, in nanoseconds, the connection must use from now on.
     */
    long onTooManyPings(ClientConnection conn, long serverMinMillis, String why);

    /** Sessions: a SEQ_DATA frame from the server. */
    default void onSeqData(ClientConnection conn, Frame.SeqData data) {
    }

    /** Sessions: the server acknowledged our messages up to {@code seq}. */
    default void onAck(ClientConnection conn, long seq) {
    }

    /** Sessions: a read batch ended (time to acknowledge what it brought). */
    default void onReadComplete(ClientConnection conn) {
    }

    /** Sessions: the server ended our session or refused to resume it (CLOSE code, reason). */
    default void onSessionEnded(ClientConnection conn, int code, String reason) {
    }

    /** The connection is closed. {@code conn.wasReady()} tells a lost connection from a failed attempt. */
    void onClosed(ClientConnection conn, CloseInfo info);
}
