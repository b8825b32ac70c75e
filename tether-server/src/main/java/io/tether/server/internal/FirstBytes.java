package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.Framing;

/**
 * The framing a connection's first bytes show, under framing auto: the frame preamble's first byte
 * makes a frame client; with open_websocket_protocol, {@code GET } makes a WebSocket client (an
 * HTTP upgrade); anything else a line client.
 */
final class FirstBytes {
    private static final byte[] GET = {'G', 'E', 'T', ' '};

    private FirstBytes() {
    }

    /** The framing, or null while the bytes so far ({@code "GE"}) could still be an HTTP GET. */
    static Framing framing(ByteBuf in, boolean websocket) {
        int first = in.readerIndex();
        if (in.getByte(first) == FrameCodec.PREAMBLE[0]) {
            return Framing.FRAME;
        }
        if (!websocket) {
            return Framing.LINE;
        }
        int n = Math.min(in.readableBytes(), GET.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(first + i) != GET[i]) {
                return Framing.LINE;
            }
        }
        return n == GET.length ? Framing.WEBSOCKET : null;
    }
}
