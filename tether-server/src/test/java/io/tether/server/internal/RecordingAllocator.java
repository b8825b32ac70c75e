package io.tether.server.internal;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Unpooled direct buffers of at most {@link #limit} bytes (a larger one fails as if direct memory
 * were exhausted), each remembered so a test can see which were never released.
 */
final class RecordingAllocator extends AbstractByteBufAllocator {
    final List<ByteBuf> handedOut = new CopyOnWriteArrayList<>();
    volatile int limit;

    RecordingAllocator(int limit) {
        super(true);
        this.limit = limit;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity > limit) {
            throw new OutOfMemoryError("simulated: no direct buffer of " + initialCapacity + " bytes");
        }
        ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, Math.min(maxCapacity, limit));
        handedOut.add(b);
        return b;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    List<ByteBuf> unreleased() {
        return handedOut.stream().filter(b -> b.refCnt() > 0).toList();
    }
}
