package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.FrameType;
import io.tether.server.Framing;

/**
 * Words for the unfinished message a package_timeout cut off, for its close detail: how much of
 * which line, preamble, frame header, frame or WebSocket frame had arrived.
 */
final class UnfinishedMessage {
    private UnfinishedMessage() {
    }

    /** {@code in}: the codec's buffered bytes; on the connection's loop. */
    static String describe(ByteBuf in, Framing mode, boolean preambleChecked, Channel channel) {
        int n = in.readableBytes();
        if (mode == Framing.WEBSOCKET) {
            WebSocketFrameReader ws = channel.pipeline().get(WebSocketFrameReader.class);
            return ws == null ? "HTTP request" : ws.unfinished();
        }
        if (mode == Framing.LINE || mode == Framing.AUTO) {
            return "line (" + n + " bytes, no newline yet)";
        }
        if (!preambleChecked) {
            return "preamble (" + n + " of " + FrameCodec.PREAMBLE.length + " bytes)";
        }
        if (n < FrameCodec.HEADER_LENGTH) {
            return "frame header (" + n + " of " + FrameCodec.HEADER_LENGTH + " bytes)";
        }
        FrameType type = FrameType.fromCode(in.getUnsignedByte(in.readerIndex()));
        return (type == null ? "frame" : type + " frame") + " (" + (n - FrameCodec.HEADER_LENGTH) + " of "
                + in.getUnsignedInt(in.readerIndex() + 1) + " payload bytes)";
    }
}
