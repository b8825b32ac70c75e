package io.tether.client.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Line mode: turns each line (already split, without its terminator) into the frame it stands for,
 * so the rest of the pipeline is the same for both protocols: {@code pong} and
 * {@code pong unhealthy a,b} become PONG, {@code notice too many pings ... N ms} a NOTICE,
 * {@code error too many pings: ...} / {@code error protocol error: ...} a CLOSE, {@code ping} a
 * PING, anything else DATA.
 */
final class LineFrameDecoder extends MessageToMessageDecoder<ByteBuf> {
    private static final Pattern EVERY_MS = Pattern.compile("(\\d+) ms");
    private static final long U32_MAX = 0xFFFF_FFFFL;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        int end = line.writerIndex();
        if (end > line.readerIndex() && line.getByte(end - 1) == '\r') {
            line.writerIndex(end - 1);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("pong")) {
            out.add(new Frame.Pong(0, true, ""));
        } else if (t.startsWith("pong unhealthy")) {
            out.add(new Frame.Pong(0, false, text.trim().substring("pong unhealthy".length()).trim()));
        } else if (t.equals("ping")) {
            out.add(new Frame.Ping(0));
        } else if (t.startsWith("notice too many pings")) {
            Matcher m = EVERY_MS.matcher(t);
            out.add(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, m.find() ? millis(m.group(1)) : 0, text));
        } else if (t.startsWith("error too many pings")) {
            out.add(new Frame.Close(CloseReason.TOO_MANY_PINGS.code(), text.trim().substring("error ".length())));
        } else if (t.startsWith("error protocol error")) {
            out.add(new Frame.Close(CloseReason.PROTOCOL_ERROR.code(), text.trim().substring("error ".length())));
        } else {
            byte[] bytes = new byte[line.readableBytes()];
            line.readBytes(bytes);
            out.add(new Frame.Data(bytes));
        }
    }

    /**
     * The notice's interval: decimal digits, at most {@link #U32_MAX} (what a NOTICE frame's value
     * holds), so a server's number too long for a long cannot throw out of the decoder.
     */
    static long millis(String digits) {
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            v = v * 10 + (digits.charAt(i) - '0');
            if (v >= U32_MAX) {
                return U32_MAX;
            }
        }
        return v;
    }
}
