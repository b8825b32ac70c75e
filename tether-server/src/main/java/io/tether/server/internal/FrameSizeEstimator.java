package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.MessageSizeEstimator;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;

/**
 * Netty's message sizes, knowing frames: a frame written from another thread waits in the event
 * loop's queue as a {@link Frame}, which Netty's default estimator counts as 8 bytes; counted at
 * its encoded length instead, it makes the channel unwritable as soon as it should be. Stateless:
 * one instance (and one handle) for every channel.
 */
final class FrameSizeEstimator implements MessageSizeEstimator, MessageSizeEstimator.Handle {
    static final FrameSizeEstimator INSTANCE = new FrameSizeEstimator();

    private FrameSizeEstimator() {
    }

    @Override
    public Handle newHandle() {
        return this;
    }

    @Override
    public int size(Object msg) {
        if (msg instanceof ByteBuf b) {
            return b.readableBytes();
        }
        if (msg instanceof Frame f) {
            return FrameCodec.encodedLength(f);
        }
        if (msg instanceof ByteBufHolder h) {
            return h.content().readableBytes();
        }
        return 8;
    }
}
