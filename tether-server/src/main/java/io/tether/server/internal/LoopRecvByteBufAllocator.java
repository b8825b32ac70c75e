package io.tether.server.internal;

import io.netty.channel.ChannelConfig;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A receive-buffer allocator whose handle (the state of one read loop: bytes read so far, the
 * guess of the next read's size) is one per event-loop thread instead of one per connection.
 * Netty creates a channel's handle at its first read and keeps it for the channel's life: 112 B per
 * connection for the adaptive allocator (its handle 56, size calculator 40, a supplier 16), held by
 * every connection that has ever said anything (docs/BENCHMARKS.md, "Trims").
 *
 * <p>Why one per thread is safe: Netty uses a channel's handle only inside that channel's read
 * loop (epoll: {@code AbstractEpollStreamChannel.EpollStreamUnsafe.epollInReady}; NIO:
 * {@code AbstractNioByteChannel.NioByteUnsafe.read}), which begins with {@code reset(config)} and
 * ends with {@code readComplete()} on the channel's event loop, and which runs to its end before
 * the loop does anything else: nothing inside it starts another channel's read loop
 * ({@code ctx.read()} only asks for a read, setting EPOLLIN or the selector's interest). So from
 * {@code reset} to {@code readComplete} the thread's handle serves that one channel. The channel
 * asks for its handle ({@link #newHandle}) on that loop too, at its first read, and each handle
 * checks in {@code reset} that it is used by the thread it was made for.
 *
 * <p>What becomes per loop rather than per connection is the adaptive guess of the next read's
 * size, learnt from every connection on the loop; the fixed size of framing raw (which enforces
 * {@code package_max_length} by capping a read) is the same for all of them anyway. The per-channel
 * part Netty's epoll transport adds around the handle (64 B: whether the peer's FIN was seen, a
 * direct-buffer wrapper) stays per channel.
 */
final class LoopRecvByteBufAllocator implements MaxMessagesRecvByteBufAllocator {
    /** What each thread's handle does: Netty's adaptive or fixed allocator, as a connection of its own would have. */
    private final MaxMessagesRecvByteBufAllocator delegate;
    /** One handle per event-loop thread that has read for this server; as many entries as worker_num. */
    private final Map<Thread, LoopHandle> handles = new ConcurrentHashMap<>();

    LoopRecvByteBufAllocator(MaxMessagesRecvByteBufAllocator delegate) {
        this.delegate = delegate;
    }

    /** The calling thread's handle: Netty asks on the channel's event loop, at its first read. */
    @Override
    public Handle newHandle() {
        return handles.computeIfAbsent(Thread.currentThread(), t -> new LoopHandle((ExtendedHandle) delegate.newHandle(), t));
    }

    @Override
    public int maxMessagesPerRead() {
        return delegate.maxMessagesPerRead();
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        delegate.maxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    /** Handles made so far (tests: one per event loop that read, however many connections). */
    int handleCount() {
        return handles.size();
    }

    /**
     * One thread's handle. It forgets the channel's config when a read loop ends, so a connection
     * that closed after its last read is not kept reachable by the loop's handle.
     */
    static final class LoopHandle extends RecvByteBufAllocator.DelegatingHandle implements ExtendedHandle {
        private final Thread owner;

        LoopHandle(ExtendedHandle delegate, Thread owner) {
            super(delegate);
            this.owner = owner;
        }

        @Override
        public void reset(ChannelConfig config) {
            if (Thread.currentThread() != owner) {
                // Sharing relies on one thread per handle; a read loop elsewhere would mix two channels' state.
                throw new IllegalStateException("receive handle of " + owner.getName() + " used on " + Thread.currentThread().getName());
            }
            super.reset(config);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            super.readComplete();
            // The read loop is over (the next one begins with reset): drop the channel's config.
            super.reset(null);
        }
    }
}
