package io.tether.server.internal;

import io.netty.util.concurrent.EventExecutor;
import io.tether.core.close.CloseInfo;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.core.transport.Transport;
import io.tether.server.spi.SessionLayer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every connection of one server shares: config, handler, registry, wheels, health. */
public final class ServerContext {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");

    final ServerConfig config;
    final ServerHandler handler;
    final Executor handlerExecutor;
    final HealthMonitor health;
    final Transport transport;
    final Map<Long, ServerConnection> connections = new ConcurrentHashMap<>();
    final AtomicLong nextId = new AtomicLong(1);
    final AtomicInteger admitted = new AtomicInteger();
    final long idleNanos;
    final long serverPingIntervalNanos;
    final long serverPingTimeoutNanos;
    final long pingMinIntervalNanos;
    final byte[] pongHealthyLine;
    private final Map<EventExecutor, DeadlineWheel<ServerConnection>> wheels = new IdentityHashMap<>();
    volatile boolean shuttingDown;
    private volatile Runnable onEmpty;
    /** The session layer, or null when sessions are off. */
    final SessionLayer sessions;

    public ServerContext(ServerConfig config, ServerHandler handler, Executor handlerExecutor, HealthMonitor health,
                         Transport transport, SessionLayer sessions) {
        this.config = config;
        this.handler = handler;
        this.handlerExecutor = handlerExecutor;
        this.health = health;
        this.transport = transport;
        this.sessions = sessions;
        this.idleNanos = config.heartbeatIdleTime().toNanos();
        this.serverPingIntervalNanos = config.serverPingInterval().toNanos();
        this.serverPingTimeoutNanos = config.serverPingTimeout().toNanos();
        this.pingMinIntervalNanos = config.pingMinInterval().toNanos();
        this.pongHealthyLine = "pong\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    public void markShuttingDown() {
        shuttingDown = true;
    }

    /** True when some connection needs a deadline on the wheel. */
    boolean livenessEnabled() {
        return idleNanos > 0 || serverPingIntervalNanos > 0;
    }

    /** Creates one wheel per event loop; called once before the first accept. */
    public void createWheel(EventExecutor loop) {
        long horizon = Math.max(idleNanos, serverPingIntervalNanos + serverPingTimeoutNanos);
        DeadlineWheel<ServerConnection> wheel = new DeadlineWheel<>(config.heartbeatTick().toNanos(), horizon,
                System.nanoTime(), ServerConnection::onDue);
        wheels.put(loop, wheel);
        if (livenessEnabled()) {
            long tick = config.heartbeatTick().toNanos();
            loop.scheduleAtFixedRate(() -> wheel.advance(System.nanoTime()), tick, tick,
                    java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    DeadlineWheel<ServerConnection> wheel(EventExecutor loop) {
        return wheels.get(loop);
    }

    public Map<Long, ServerConnection> connections() {
        return connections;
    }

    /** Runs {@code r} once no connection is left (at once if none is). */
    public void whenEmpty(Runnable r) {
        onEmpty = r;
        if (connections.isEmpty()) {
            fireEmpty();
        }
    }

    void removed(ServerConnection c) {
        if (connections.remove(c.id()) != null && connections.isEmpty()) {
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

    // --- user handler calls: on the event loop, or in order on the user's executor ---

    void fireConnect(ServerConnection c) {
        dispatch(c, () -> handler.onConnect(c), "onConnect");
    }

    void fireReceive(ServerConnection c, Message m) {
        dispatch(c, () -> handler.onReceive(c, m), "onReceive");
    }

    void fireClose(ServerConnection c, CloseInfo info) {
        dispatch(c, () -> handler.onClose(c, info), "onClose");
    }

    private void dispatch(ServerConnection c, Runnable call, String event) {
        Runnable safe = () -> {
            try {
                call.run();
            } catch (Throwable t) {
                log.warn("handler threw in {} for connection {}", event, c.id(), t);
            }
        };
        if (handlerExecutor == null) {
            safe.run();
        } else {
            c.serial(handlerExecutor).execute(safe);
        }
    }
}
