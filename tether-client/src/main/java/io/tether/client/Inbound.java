package io.tether.client;

import io.tether.client.internal.ClientConnection;
import io.tether.client.internal.ClientSession;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.text.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server sends the application: messages go to the {@link MessageHandler}; with resume,
 * numbered messages pass the {@link ClientSession} first (a duplicate is dropped), the server's
 * ACKs complete sends, an ACK goes back after each read batch, and a session the server ended makes
 * the next connection start a new one. Runs on the client's event loop.
 */
final class Inbound {
    private static final Logger log = LoggerFactory.getLogger("io.tether.client");

    private final TetherClient client;
    private final MessageHandler handler;
    /** Resumable session state (ClientConfig.resume), or null; connections only report session events when set. */
    private final ClientSession session;

    Inbound(TetherClient client, MessageHandler handler, ClientSession session) {
        this.client = client;
        this.handler = handler;
        this.session = session;
    }

    /** A DATA frame or a line. */
    void message(ClientConnection conn, byte[] message) {
        try {
            handler.onMessage(client, message);
        } catch (RuntimeException e) {
            log.warn("client message handler threw", e);
        }
    }

    /** A SEQ_DATA frame: handed on once, in order; a gap in the numbers breaks the protocol. */
    void seqData(ClientConnection conn, Frame.SeqData data) {
        byte[] payload;
        try {
            payload = session.receive(data);
        } catch (ProtocolException e) {
            broken(conn, e);
            return;
        }
        if (payload != null) {
            message(conn, payload);
        }
    }

    /** The server acknowledged our messages up to {@code seq}. */
    void ack(ClientConnection conn, long seq) {
        try {
            session.ackFrame(seq);
        } catch (ProtocolException e) {
            broken(conn, e);
        }
    }

    /**
     * The server broke the sequence rules (a gap, an ACK of a number never sent): as at the server, a
     * protocol error that ends the session, not a blip to resume from. A resume would replay into the
     * same fault; the CLOSE(1008) ends the session at the server too, and the next connection starts
     * a new one (what was not acknowledged fails with ConnectionLostException).
     */
    private void broken(ClientConnection conn, ProtocolException e) {
        log.warn("{}: {}; the session ends (a new one starts on the next connection)", conn, e.getMessage());
        session.ended(new ConnectionLostException("not acknowledged: the session ended on a protocol error ("
                + e.getMessage() + "); the message may or may not have arrived", e));
        conn.closeWith(CloseReason.PROTOCOL_ERROR, e.getMessage(), true);
    }

    /** A read batch ended: acknowledge what it brought. */
    void readComplete(ClientConnection conn) {
        Frame.Ack ack = session.ackDue();
        if (ack != null && conn.channel().isActive()) {
            conn.channel().writeAndFlush(ack);
        }
    }

    /** The server ended our session or refused to resume it. */
    void sessionEnded(ClientConnection conn, int code, String reason) {
        log.info("server ended the session (CLOSE {}: {}); the next connection starts a new one", code, Printable.of(reason, 200));
        session.ended(new ConnectionLostException("not acknowledged: " + conn + " ended the session (CLOSE " + code + ": "
                + Printable.of(reason, 200) + ") before acknowledging it; it may or may not have arrived, and a new session"
                + " cannot resend it (its server cannot know whether the old one delivered it)", null));
    }
}
