package io.tether.testkit.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * A pooled allocator that remembers every buffer it handed out, so a test can check, right after
 * the code under test is done and without waiting for a GC, that each of them was released
 * ({@link #unreleased()}). Give it to a channel ({@code channel.config().setAllocator(...)}) to
 * watch what a pipeline allocates (a decoder's cumulation, an encoder's output), and allocate the
 * test's own input from it to watch what the pipeline must release.
 *
 * <p>Buffers come from a pooled allocator that prefers direct memory, as a server's do: a
 * use-after-release there reads freed or reused memory instead of a heap array that happens to
 * be intact. Not thread-safe: one channel, one thread (an {@code EmbeddedChannel}).
 */
public final class TrackingAllocator implements ByteBufAllocator {
    private final ByteBufAllocator pool;
    private final List<ByteBuf> handedOut = new ArrayList<>();

    public TrackingAllocator() {
        this(PooledByteBufAllocator.DEFAULT);
    }

    public TrackingAllocator(ByteBufAllocator pool) {
        this.pool = pool;
    }

    /** A buffer holding {@code bytes}, tracked like any other. */
    public ByteBuf copyOf(byte[] bytes, int offset, int length) {
        return directBuffer(Math.max(length, 1)).writeBytes(bytes, offset, length);
    }

    public ByteBuf copyOf(byte[] bytes) {
        return copyOf(bytes, 0, bytes.length);
    }

    /** Buffers handed out since the last {@link #forget()} whose reference count is not 0. */
    public List<ByteBuf> unreleased() {
        List<ByteBuf> live = new ArrayList<>();
        for (ByteBuf b : handedOut) {
            if (b.refCnt() != 0) {
                live.add(b);
            }
        }
        return live;
    }

    /** How many buffers were handed out since the last {@link #forget()}. */
    public int allocations() {
        return handedOut.size();
    }

    /** Releases whatever is still held (so a failed check leaks nothing itself) and starts over. */
    public void forget() {
        for (ByteBuf b : unreleased()) {
            b.release(b.refCnt());
        }
        handedOut.clear();
    }

    private <B extends ByteBuf> B track(B b) {
        handedOut.add(b);
        return b;
    }

    @Override public ByteBuf buffer() { return track(pool.directBuffer()); }
    @Override public ByteBuf buffer(int initialCapacity) { return track(pool.directBuffer(initialCapacity)); }
    @Override public ByteBuf buffer(int initialCapacity, int maxCapacity) { return track(pool.directBuffer(initialCapacity, maxCapacity)); }
    @Override public ByteBuf ioBuffer() { return track(pool.directBuffer()); }
    @Override public ByteBuf ioBuffer(int initialCapacity) { return track(pool.directBuffer(initialCapacity)); }
    @Override public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) { return track(pool.directBuffer(initialCapacity, maxCapacity)); }
    @Override public ByteBuf heapBuffer() { return track(pool.heapBuffer()); }
    @Override public ByteBuf heapBuffer(int initialCapacity) { return track(pool.heapBuffer(initialCapacity)); }
    @Override public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) { return track(pool.heapBuffer(initialCapacity, maxCapacity)); }
    @Override public ByteBuf directBuffer() { return track(pool.directBuffer()); }
    @Override public ByteBuf directBuffer(int initialCapacity) { return track(pool.directBuffer(initialCapacity)); }
    @Override public ByteBuf directBuffer(int initialCapacity, int maxCapacity) { return track(pool.directBuffer(initialCapacity, maxCapacity)); }
    @Override public CompositeByteBuf compositeBuffer() { return track(pool.compositeDirectBuffer()); }
    @Override public CompositeByteBuf compositeBuffer(int maxNumComponents) { return track(pool.compositeDirectBuffer(maxNumComponents)); }
    @Override public CompositeByteBuf compositeHeapBuffer() { return track(pool.compositeHeapBuffer()); }
    @Override public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) { return track(pool.compositeHeapBuffer(maxNumComponents)); }
    @Override public CompositeByteBuf compositeDirectBuffer() { return track(pool.compositeDirectBuffer()); }
    @Override public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) { return track(pool.compositeDirectBuffer(maxNumComponents)); }
    @Override public boolean isDirectBufferPooled() { return pool.isDirectBufferPooled(); }
    @Override public int calculateNewCapacity(int minNewCapacity, int maxCapacity) { return pool.calculateNewCapacity(minNewCapacity, maxCapacity); }
}
