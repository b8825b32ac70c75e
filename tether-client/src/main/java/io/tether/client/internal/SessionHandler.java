package io.tether.client.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in the pipeline: hands DATA to the client, records the reason of a server CLOSE, turns
 * errors into close reasons and reports the end of the connection exactly once.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    private final ClientConnection conn;

    SessionHandler(ClientConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame.Data d) {
            conn.owner.onMessage(conn, d.payload());
        } else if (msg instanceof Frame.Close c) {
            CloseReason reason = CloseReason.fromCode(c.code());
            if (reason == CloseReason.TOO_MANY_PINGS) {
                conn.owner.onTooManyPings(conn, 0, c.reason());
            }
            conn.closeWith(reason, c.reason(), false);
        } else if (msg instanceof Frame.Notice n) {
            log.debug("{}: notice {} ({}) ignored: {}", conn, n.code(), n.value(), n.text());
        } else {
            conn.closeWith(CloseReason.PROTOCOL_ERROR, "unexpected " + msg + " from the server", true);
        }
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
