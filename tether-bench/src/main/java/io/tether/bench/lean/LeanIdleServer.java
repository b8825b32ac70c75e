package io.tether.bench.lean;

import io.netty.channel.epoll.LeanEpollBridge;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.tether.bench.Args;
import io.tether.bench.server.ServerControl;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * PROTOTYPE of the idle-holding half of a leaner transport (docs/BENCHMARKS.md, "A leaner
 * transport"); measured by {@code tether bench --kinds ...,lean}, never used by the server.
 *
 * <p>One thread, one epoll set (level-triggered) holding the listening socket and every accepted
 * file descriptor. A connection has no object at all: its state is a few primitive array cells
 * indexed by its fd (fds are small, dense integers): last read time (8 B), its place in the
 * last-activity list (two ints, 8 B) and how much of a {@code ping} line it has sent (1 B), 17 B per
 * connection, the arrays grown by doubling. Because every connection has the same idle time, the
 * list ordered by last read is also ordered by deadline: the head is the next connection to
 * expire, a read moves a connection to the tail (four int writes), and {@code epoll_wait} sleeps
 * exactly until the head's deadline (ms resolution) or the next event; with no connection it
 * sleeps until one arrives. It answers a {@code ping} line with {@code pong} and closes a
 * connection silent for {@code --idle-ms}.
 *
 * <p>What it leaves out (a real transport must not): any other protocol (a connection that sends
 * anything else would be promoted to a full Netty channel, see the design), an outbound buffer (a
 * pong that does not fit the socket closes the connection), TLS, more than one loop. Temporary
 * {@link FileDescriptor} objects are made only for a connection that is doing something.
 * Arguments as {@code BaselineServer}: {@code --port P --idle-ms N --max-seconds S}.
 */
public final class LeanIdleServer {
    private static final byte CLOSED = -1;
    private static final byte MISMATCH = 5;
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final int NONE = -1;

    private final long idleNanos;
    private final FileDescriptor epoll;
    private final Socket listener;
    private final int listenFd;
    private final LeanEpollBridge ready = new LeanEpollBridge(1024);
    private final ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(5).put("pong\n".getBytes(StandardCharsets.US_ASCII)).flip();
    private final byte[] peer = new byte[64];
    /** Per fd: nanoTime of the last read (or the accept). */
    private long[] lastRead = new long[1024];
    /** Per fd: the last-activity list, oldest first; {@link #NONE} at the ends. */
    private int[] next = new int[1024];
    private int[] prev = new int[1024];
    /** Per fd: {@link #CLOSED}, or how many bytes of "ping" the current line matched, or {@link #MISMATCH}. */
    private byte[] line = filled(new byte[1024]);
    private int head = NONE;
    private int tail = NONE;
    private volatile int open;

    LeanIdleServer(String host, int port, long idleNanos) throws IOException {
        this.idleNanos = idleNanos;
        this.epoll = Native.newEpollCreate();
        this.listener = Socket.newSocketStream();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(host, port));
        listener.listen(4096);
        this.listenFd = listener.intValue();
        Native.epollCtlAdd(epoll.intValue(), listenFd, Native.EPOLLIN);
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        LeanIdleServer server = new LeanIdleServer(args.text("host", "127.0.0.1"), args.integer("port", 9603),
                TimeUnit.MILLISECONDS.toNanos(args.longValue("idle-ms", 2000)));
        Thread loop = new Thread(server::runLoop, "lean-loop");
        loop.setDaemon(true);
        loop.start();
        ServerControl.serve(server.port(), args.longValue("max-seconds", 3600), server::openConnections);
        System.exit(0); // the loop thread holds no state worth a graceful end; exit closes every socket
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    int openConnections() {
        return open;
    }

    /** The event loop; runs until the process ends. */
    void runLoop() {
        while (true) {
            try {
                long now = System.nanoTime();
                while (head != NONE && now - (lastRead[head] + idleNanos) >= 0) {
                    close(head);
                }
                int timeoutMs = head == NONE ? -1
                        : (int) Math.min(Integer.MAX_VALUE, (lastRead[head] + idleNanos - now + 999_999) / 1_000_000);
                int n = ready.await(epoll, timeoutMs);
                for (int i = 0; i < n; i++) {
                    int fd = ready.fd(i);
                    if (fd == listenFd) {
                        accept();
                    } else {
                        read(fd);
                    }
                }
            } catch (IOException e) {
                System.err.println("lean: " + e); // EINTR and the like: go round again
            }
        }
    }

    private void accept() throws IOException {
        int fd;
        while ((fd = listener.accept(peer)) >= 0) {
            grow(fd);
            new Socket(fd).setTcpNoDelay(true); // as Netty does for its channels
            Native.epollCtlAdd(epoll.intValue(), fd, Native.EPOLLIN | Native.EPOLLRDHUP);
            line[fd] = 0;
            lastRead[fd] = System.nanoTime();
            append(fd);
            open++;
        }
    }

    private void read(int fd) throws IOException {
        if (line[fd] == CLOSED) {
            return; // closed earlier in this batch
        }
        FileDescriptor f = new FileDescriptor(fd);
        int pings = 0;
        while (true) {
            int r;
            try {
                r = f.read(in, 0, in.capacity());
            } catch (IOException reset) {
                r = -1;
            }
            if (r < 0) {
                close(fd);
                return;
            }
            if (r == 0) {
                break; // EAGAIN: drained
            }
            pings += scan(fd, r);
            if (r < in.capacity()) {
                break;
            }
        }
        lastRead[fd] = System.nanoTime();
        unlink(fd);
        append(fd);
        for (int i = 0; i < pings; i++) {
            if (f.write(pong, 0, 5) != 5) {
                close(fd); // no outbound buffer in the prototype
                return;
            }
        }
    }

    /** Feeds {@code r} bytes of {@link #in} to fd's line matcher; returns how many "ping" lines ended. */
    private int scan(int fd, int r) {
        int pings = 0;
        byte state = line[fd];
        for (int i = 0; i < r; i++) {
            byte b = in.get(i);
            if (b == '\n') {
                if (state == PING.length) {
                    pings++;
                }
                state = 0;
            } else if (state < PING.length && b == PING[state]) {
                state++;
            } else if (!(b == '\r' && state == PING.length)) {
                state = MISMATCH;
            }
        }
        line[fd] = state;
        return pings;
    }

    private void close(int fd) {
        unlink(fd);
        line[fd] = CLOSED;
        open--;
        try {
            new FileDescriptor(fd).close(); // also leaves the epoll set
        } catch (IOException ignored) {
            // already gone
        }
    }

    private void append(int fd) {
        prev[fd] = tail;
        next[fd] = NONE;
        if (tail == NONE) {
            head = fd;
        } else {
            next[tail] = fd;
        }
        tail = fd;
    }

    private void unlink(int fd) {
        int p = prev[fd];
        int n = next[fd];
        if (p == NONE) {
            head = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            tail = p;
        } else {
            prev[n] = p;
        }
    }

    private void grow(int fd) {
        if (fd < line.length) {
            return;
        }
        int size = Math.max(line.length * 2, Integer.highestOneBit(fd) << 1);
        lastRead = Arrays.copyOf(lastRead, size);
        next = Arrays.copyOf(next, size);
        prev = Arrays.copyOf(prev, size);
        int old = line.length;
        line = Arrays.copyOf(line, size);
        Arrays.fill(line, old, size, CLOSED);
    }

    private static byte[] filled(byte[] a) {
        Arrays.fill(a, CLOSED);
        return a;
    }
}
