package io.tether.client.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.client.Protocol;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.util.concurrent.TimeUnit;

/**
 * Frame mode: sends the preamble and HELLO, waits for WELCOME (within the connect timeout), then
 * leaves the pipeline. Line mode has no handshake: the connection is ready once the socket is.
 * With TLS, both start once the TLS handshake has succeeded, so a server whose certificate does not
 * verify fails the attempt instead of looking connected.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private final ClientConnection conn;
    private ScheduledFuture<?> timeout;

    HandshakeHandler(ClientConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (conn.tls == null) {
            begin(ctx);
        }
        // With TLS the SslHandler's own timeout (the connect timeout) bounds its handshake; begin follows it.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof SslHandshakeCompletionEvent tls) {
            if (tls.isSuccess()) {
                begin(ctx);
            } else {
                conn.tlsFailed(tls.cause());
            }
        }
    }

    private void begin(ChannelHandlerContext ctx) {
        if (conn.config.protocol() == Protocol.LINE) {
            ctx.pipeline().remove(this);
            conn.ready(null);
            return;
        }
        // The preamble must be the first bytes; the frame encoder passes a ByteBuf through as is.
        ctx.write(Unpooled.wrappedBuffer(FrameCodec.PREAMBLE));
        long hb = TimeUnit.NANOSECONDS.toMillis(conn.helloHeartbeatNanos);
        ctx.writeAndFlush(conn.session != null ? conn.session.hello(conn.config.clientName(), hb)
                : new Frame.Hello(conn.config.clientName(), hb));
        conn.helloSent = true;
        long ms = conn.config.connectTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> conn.closeWith(CloseReason.ERROR,
                "no WELCOME within " + ms + " ms (connect timeout); is this a Tether server in frame or auto framing?", false),
                ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Frame.Welcome w) {
            timeout.cancel(false);
            ctx.pipeline().remove(this);
            conn.ready(w);
        } else if (msg instanceof Frame.Close) {
            ctx.fireChannelRead(msg); // e.g. limit reached: the session handler records the reason
        } else {
            conn.closeWith(CloseReason.PROTOCOL_ERROR, "expected WELCOME as the server's first frame, got " + msg, true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
