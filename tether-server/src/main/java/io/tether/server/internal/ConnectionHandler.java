package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;

/** Last in the pipeline: hands decoded messages and lifecycle events to the connection. */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final ServerConnection conn;

    ConnectionHandler(ServerConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        conn.activate();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame f) {
            conn.onFrame(f);
            return;
        }
        ByteBuf b = (ByteBuf) msg;
        try {
            if (conn.framing() == Framing.RAW) {
                conn.onRaw(b);
            } else {
                conn.onLine(b);
            }
        } finally {
            b.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            conn.peerClosed();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        conn.failed(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        conn.finish();
        ctx.fireChannelInactive();
    }
}
