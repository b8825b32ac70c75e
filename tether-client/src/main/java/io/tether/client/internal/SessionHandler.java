package io.tether.client.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.text.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in the pipeline: hands DATA to the client, records the reason of a server CLOSE, turns
 * errors into close reasons and reports the end of the connection exactly once.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    /**
     * CLOSE codes after which the session is gone: closed by server, shutdown, replaced, refused,
     * replay overflow, resume refused, session cannot be recovered (docs/PROTOCOL.md, "Which CLOSE
     * ends a session"; 1106 is treated exactly like 1104). 1105 (taken
     * over) is not one. A protocol error (1008) or too many pings (1011) after WELCOME ends it too
     * ({@link #endsSession}).
     */
    private static final java.util.Set<Integer> SESSION_ENDED_CODES = java.util.Set.of(1006, 1009, 1101, 1102, 1103, 1104, 1106);
    private final ClientConnection conn;

    SessionHandler(ClientConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame.Data d) {
            conn.owner.onMessage(conn, d.payload());
        } else if (msg instanceof Frame.SeqData d && conn.session != null) {
            conn.owner.onSeqData(conn, d);
        } else if (msg instanceof Frame.Ack a && conn.session != null) {
            conn.owner.onAck(conn, a.seq());
        } else if (msg instanceof Frame.Close c) {
            if (conn.session != null && endsSession(c.code(), conn.wasReady())) {
                conn.owner.onSessionEnded(conn, c.code(), c.reason());
            }
            CloseReason reason = CloseReason.fromCode(c.code());
            if (reason == CloseReason.TOO_MANY_PINGS) {
                conn.owner.onTooManyPings(conn, 0, c.reason());
            }
            conn.closeWith(reason, c.reason(), false);
        } else if (msg instanceof Frame.Notice n) {
            log.debug("{}: notice {} ({}) ignored: {}", conn, n.code(), n.value(), Printable.of(n.text(), 200));
        } else {
            conn.closeWith(CloseReason.PROTOCOL_ERROR, "unexpected " + msg + " from the server", true);
        }
    }

    /**
     * True when a CLOSE with {@code code} means the server ended the session: the codes above, and
     * after WELCOME a protocol error or too many pings, which a server never lets a session survive.
     * Before WELCOME those refuse only the connection (a HELLO too slow, a limit): the session, if
     * any, is untouched and may be resumed.
     */
    static boolean endsSession(int code, boolean afterWelcome) {
        return SESSION_ENDED_CODES.contains(code) || afterWelcome && (code == 1008 || code == 1011);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (conn.session != null) {
            conn.owner.onReadComplete(conn);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        conn.failed(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        conn.finished();
        ctx.fireChannelInactive();
    }
}
