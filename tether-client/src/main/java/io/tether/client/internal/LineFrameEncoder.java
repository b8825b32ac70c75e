package io.tether.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.tether.core.protocol.Frame;
import java.nio.charset.StandardCharsets;

/**
 * Line mode: writes DATA as the payload plus {@code \n}, PING as {@code ping\n}, PONG as
 * {@code pong\n}. CLOSE has no line form: nothing is written and the socket's FIN says it.
 */
@ChannelHandler.Sharable
final class LineFrameEncoder extends ChannelOutboundHandlerAdapter {
    static final LineFrameEncoder INSTANCE = new LineFrameEncoder();
    private static final byte[] PING = "ping\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Frame f)) {
            ctx.write(msg, promise);
            return;
        }
        if (f instanceof Frame.Data d) {
            byte[] p = d.payload();
            ByteBuf b = ctx.alloc().buffer(p.length + 1);
            b.writeBytes(p).writeByte('\n');
            ctx.write(b, promise);
        } else if (f instanceof Frame.Ping) {
            ctx.write(ctx.alloc().buffer(PING.length).writeBytes(PING), promise);
        } else if (f instanceof Frame.Pong) {
            ctx.write(ctx.alloc().buffer(PONG.length).writeBytes(PONG), promise);
        } else {
            promise.setSuccess();
        }
    }
}
