package io.tether.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Netty decoder for the frame protocol. With {@code expectPreamble} (the server side) it first
 * checks the 5-byte preamble. Errors surface as {@link ProtocolException} through
 * exceptionCaught; after one the decoder discards everything else the peer sends.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxPayloadLength;
    private boolean expectPreamble;
    private boolean failed;

    public FrameDecoder(int maxPayloadLength, boolean expectPreamble) {
        this.maxPayloadLength = maxPayloadLength;
        this.expectPreamble = expectPreamble;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (expectPreamble) {
                if (in.readableBytes() < FrameCodec.PREAMBLE.length) {
                    return;
                }
                FrameCodec.readPreamble(in);
                expectPreamble = false;
            }
            Frame frame;
            while ((frame = FrameCodec.decode(in, maxPayloadLength)) != null) {
                out.add(frame);
            }
        } catch (ProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

}
