package io.tether.server.internal;

import io.netty.util.collection.LongObjectHashMap;
import io.tether.core.close.CloseReason;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's live connections: ids, admission against max_connection and the per-address limits
 * ({@link AddressLimits}), refusal while shutting down, look-up by id, and a callback for when the
 * last one is gone (shutdown waits on it).
 *
 * <p>A refused socket is told why in its framing ({@link CloseProtocol}): under framing line or
 * frame at once; under framing auto its framing is unknown until its first byte, so it waits for
 * that byte (at most {@link #REFUSAL_WAIT_NANOS}, or handshake_timeout if shorter) on the
 * connection's deadline-wheel entry, never admitted. What such waits can cost is bounded: at most
 * {@link #REFUSAL_WAITS_PER_SECOND} refused sockets a second may wait (so at most twice that at
 * once); past it a refused socket is closed at once, unanswered.
 *
 * <p>The open connections are kept by id in Netty's primitive {@link LongObjectHashMap}: two arrays
 * (a {@code long} key and a reference per slot), no node and no boxed {@code Long} per connection
 * (56 B each in a {@code ConcurrentHashMap}). Opens and closes come from every event loop and
 * look-ups from any thread, so it is locked on itself; each hold is a few array accesses. It is
 * rebuilt smaller once it holds an eighth of its peak, so the slots of connections long closed are
 * not held for the life of the server.
 */
final class ConnectionRegistry {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    /** Longest wait of a refused socket, under framing auto, for the first byte that tells its framing. */
    static final long REFUSAL_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Refused sockets allowed to wait per second (and at once, as a burst). */
    static final int REFUSAL_WAITS_PER_SECOND = 1000;
    private static final String SHUTTING_DOWN = "server is shutting down";

    private final ServerContext ctx;
    private final int maxConnection;
    private final String maxRefusal;
    private final long refusalWaitNanos;
    private final AddressLimits addresses;
    /** Refused sockets that may wait for their first byte; locked on itself. */
    private final TokenBucket refusalWaits;
    /** Slots filled at most three quarters: 12 B a slot, so 16 to 32 B a connection. */
    private static final float LOAD_FACTOR = 0.75f;
    private static final int MIN_CAPACITY = 64;
    /** Open connections by id; guarded by {@link #lock}. */
    private LongObjectHashMap<ServerConnection> connections = new LongObjectHashMap<>(MIN_CAPACITY, LOAD_FACTOR);
    private final Object lock = new Object();
    /** Most connections held since the map was last built: it is rebuilt smaller at an eighth of this. */
    private int peak;
    /** connections.size(), readable without the lock. */
    private volatile int size;
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicInteger admitted = new AtomicInteger();
    /** Refusals are logged at most once a second, with a count of the others. */
    private final AtomicLong refusalLoggedSecond = new AtomicLong(Long.MIN_VALUE);
    private final AtomicInteger refusalsNotLogged = new AtomicInteger();
    private volatile boolean shuttingDown;
    private volatile Runnable onEmpty;

    ConnectionRegistry(ServerContext ctx, ServerConfig config) {
        this.ctx = ctx;
        this.maxConnection = config.maxConnection();
        this.maxRefusal = "max_connection " + maxConnection;
        long handshake = config.handshakeTimeout().toNanos();
        this.refusalWaitNanos = handshake > 0 ? Math.min(handshake, REFUSAL_WAIT_NANOS) : REFUSAL_WAIT_NANOS;
        this.addresses = new AddressLimits(config, ctx.ticker);
        this.refusalWaits = new TokenBucket(REFUSAL_WAITS_PER_SECOND, ctx.ticker.nanoTime());
    }

    long nextId() {
        return nextId.getAndIncrement();
    }

    /** The socket is up: admit it (or refuse it, saying why), start its liveness, tell the application. */
    void open(ServerConnection c) {
        ctx.observer.opened(c);
        String refusal = admit(c);
        if (refusal != null) {
            refuse(c, refusal);
            return;
        }
        c.admitted = true;
        c.ready = Outbound.readyAtOnce(c.framing);
        synchronized (lock) {
            connections.put(c.id, c);
            size = connections.size();
            peak = Math.max(peak, size);
        }
        ctx.liveness.start(c);
        ctx.events.connect(c);
        if (c.ready && ctx.sessions != null) {
            ctx.sessions.opened(c);
        }
    }

    /** Null when {@code c} is admitted (counted), else why not. */
    private String admit(ServerConnection c) {
        int count = admitted.incrementAndGet();
        if (count > maxConnection || shuttingDown) {
            admitted.decrementAndGet();
            return shuttingDown ? SHUTTING_DOWN : maxRefusal;
        }
        String perAddress = addresses.admit(address(c), c.channel.eventLoop());
        if (perAddress != null) {
            admitted.decrementAndGet();
        }
        return perAddress;
    }

    /** Tells {@code c} why it is refused, in its framing; under framing auto once its first byte shows which. */
    private void refuse(ServerConnection c, String detail) {
        logRefusal(c, detail);
        if (SHUTTING_DOWN.equals(detail)) {
            ctx.close.close(c, CloseReason.SHUTDOWN, "", 0);
        } else if (c.framing == Framing.AUTO && mayWait()) {
            c.closeDetail = detail; // refusing() from now on: MessageDispatch.detected answers, or Liveness gives up
            ctx.liveness.lookAt(c, c.connectNanos + refusalWaitNanos);
        } else {
            ctx.close.close(c, CloseReason.LIMIT_REACHED, detail, 0);
        }
    }

    private boolean mayWait() {
        synchronized (refusalWaits) {
            return refusalWaits.tryTake(REFUSAL_WAITS_PER_SECOND, REFUSAL_WAITS_PER_SECOND, ctx.ticker.nanoTime());
        }
    }

    private void logRefusal(ServerConnection c, String why) {
        long second = TimeUnit.NANOSECONDS.toSeconds(ctx.ticker.nanoTime());
        long logged = refusalLoggedSecond.get();
        if (second != logged && refusalLoggedSecond.compareAndSet(logged, second)) {
            int others = refusalsNotLogged.getAndSet(0);
            log.warn("{} refused: {}{}", c, why, others == 0 ? "" : " (and " + others + " other refusals since the last report)");
        } else {
            refusalsNotLogged.incrementAndGet();
        }
    }

    private static InetAddress address(ServerConnection c) {
        return c.channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** The connection no longer counts against max_connection. */
    void release(ServerConnection c) {
        if (c.admitted) {
            c.admitted = false;
            admitted.decrementAndGet();
            addresses.release(address(c), c.channel.eventLoop());
        }
    }


    /** Its close events have fired: forget it. */
    void remove(ServerConnection c) {
        boolean last;
        synchronized (lock) {
            if (connections.remove(c.id) == null) {
                return;
            }
            int n = connections.size();
            size = n;
            last = n == 0;
            if (n < peak / 8 && peak > MIN_CAPACITY) {
                shrink(n);
            }
        }
        if (last) {
            fireEmpty();
        }
    }

    /** Under the lock: a map sized for what is left, so the table of a past peak goes to the GC. */
    private void shrink(int n) {
        LongObjectHashMap<ServerConnection> smaller = new LongObjectHashMap<>(Math.max(MIN_CAPACITY, 2 * n), LOAD_FACTOR);
        for (ServerConnection open : connections.values()) {
            smaller.put(open.id, open);
        }
        connections = smaller;
        peak = n;
    }

    ServerConnection get(long id) {
        synchronized (lock) {
            return connections.get(id);
        }
    }

    /** The open connections, a snapshot. */
    List<ServerConnection> all() {
        synchronized (lock) {
            return new ArrayList<>(connections.values());
        }
    }

    int size() {
        return size;
    }

    /** The map itself, for tests that weigh it; read it only where no connection opens or closes. */
    Object table() {
        synchronized (lock) {
            return connections;
        }
    }

    /** New connections are refused from now on. */
    void markShuttingDown() {
        shuttingDown = true;
    }

    /** Runs {@code r} once no connection is left (at once if none is). */
    void whenEmpty(Runnable r) {
        onEmpty = r;
        if (size == 0) {
            fireEmpty();
        }
    }

    private void fireEmpty() {
        Runnable r = onEmpty;
        if (r != null) {
            onEmpty = null;
            r.run();
        }
    }
}
