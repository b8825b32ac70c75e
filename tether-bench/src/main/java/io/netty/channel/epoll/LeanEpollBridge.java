package io.netty.channel.epoll;

import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;

/**
 * PROTOTYPE ONLY (tether-bench, not used by the server): the few package-private pieces of
 * Netty's native epoll binding that {@code io.tether.bench.lean.LeanIdleServer} needs to run its
 * own epoll set over raw file descriptors: an event array and a plain {@code epoll_wait}. It lives
 * in Netty's package on the class path; a real transport would bind epoll itself.
 */
public final class LeanEpollBridge {
    private final EpollEventArray events;

    public LeanEpollBridge(int size) {
        Epoll.ensureAvailability();
        this.events = new EpollEventArray(size);
    }

    /** epoll_wait on {@code epollFd} for up to {@code timeoutMs} (-1: until an event); returns how many are ready. */
    public int await(FileDescriptor epollFd, int timeoutMs) throws IOException {
        return Native.epollWait(epollFd, events, timeoutMs);
    }

    public int fd(int i) {
        return events.fd(i);
    }

    public int events(int i) {
        return events.events(i);
    }
}
