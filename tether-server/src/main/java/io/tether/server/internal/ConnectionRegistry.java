package io.tether.server.internal;

import io.tether.core.close.CloseReason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's live connections: ids, admission against max_connection (and refusal while
 * shutting down), look-up by id, and a callback for when the last one is gone (shutdown waits on
 * it).
 */
final class ConnectionRegistry {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");

    private final ServerContext ctx;
    private final int maxConnection;
    private final Map<Long, ServerConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicInteger admitted = new AtomicInteger();
    private volatile boolean shuttingDown;
    private volatile Runnable onEmpty;

    ConnectionRegistry(ServerContext ctx, int maxConnection) {
        this.ctx = ctx;
        this.maxConnection = maxConnection;
    }

    long nextId() {
        return nextId.getAndIncrement();
    }

    /** The socket is up: admit it (or refuse it, saying why), start its liveness, tell the application. */
    void open(ServerConnection c) {
        ctx.observer.opened(c);
        int count = admitted.incrementAndGet();
        if (count > maxConnection || shuttingDown) {
            admitted.decrementAndGet();
            CloseReason r = shuttingDown ? CloseReason.SHUTDOWN : CloseReason.LIMIT_REACHED;
            log.warn("{} refused: {}", c, shuttingDown ? "server is shutting down" : "max_connection " + maxConnection + " reached");
            ctx.close.close(c, r, shuttingDown ? "" : "max_connection " + maxConnection, 0);
            return;
        }
        c.admitted = true;
        c.ready = Outbound.readyAtOnce(c.framing);
        connections.put(c.id, c);
        ctx.liveness.start(c);
        ctx.events.connect(c);
        if (c.ready && ctx.sessions != null) {
            ctx.sessions.opened(c);
        }
    }

    /** The connection no longer counts against max_connection. */
    void release(ServerConnection c) {
        if (c.admitted) {
            c.admitted = false;
            admitted.decrementAndGet();
        }
    }

    /** Its close events have fired: forget it. */
    void remove(ServerConnection c) {
        if (connections.remove(c.id) != null && connections.isEmpty()) {
            fireEmpty();
        }
    }

    ServerConnection get(long id) {
        return connections.get(id);
    }

    Iterable<ServerConnection> all() {
        return connections.values();
    }

    int size() {
        return connections.size();
    }

    /** New connections are refused from now on. */
    void markShuttingDown() {
        shuttingDown = true;
    }

    /** Runs {@code r} once no connection is left (at once if none is). */
    void whenEmpty(Runnable r) {
        onEmpty = r;
        if (connections.isEmpty()) {
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
