package io.tether.server.internal;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.spi.ServerObserver;
import io.tether.server.spi.SessionLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * What every connection of one server shares: the config, the clock, and the parts that act on
 * connections, one job each. A connection holds only its state and this context; the path of a
 * read goes {@link ConnectionCodec} -> {@link MessageDispatch} -> {@link HandlerEvents}, and every
 * way out through {@link CloseProtocol}.
 */
public final class ServerContext {
    final ServerConfig config;
    final Ticker ticker;
    /** The session layer, or null when sessions are off. */
    final SessionLayer sessions;
    final HandlerEvents events;
    final ConnectionRegistry registry;
    final Liveness liveness;
    final PingResponder pings;
    final MessageDispatch dispatch;
    final Outbound outbound;
    final OutboundLimits limits;
    final CloseProtocol close;
    /** Metrics' view of the parts' events; {@link ServerObserver#NONE} unless one was set. */
    final ServerObserver observer;
    /** WebSocket (open_websocket_protocol or framing websocket), or null. */
    final WebSocketTransport websocket;

    public ServerContext(ServerConfig config, ServerHandler handler, Executor handlerExecutor, HealthMonitor health,
                         SessionLayer sessions, Ticker ticker) {
        this(config, handler, handlerExecutor, health, sessions, ticker, ServerObserver.NONE);
    }

    public ServerContext(ServerConfig config, ServerHandler handler, Executor handlerExecutor, HealthMonitor health,
                         SessionLayer sessions, Ticker ticker, ServerObserver observer) {
        this.config = config;
        this.observer = observer;
        this.ticker = ticker;
        this.sessions = sessions;
        this.events = new HandlerEvents(handler, handlerExecutor);
        this.registry = new ConnectionRegistry(this, config);
        this.liveness = new Liveness(this, config, ticker);
        this.pings = new PingResponder(this, config, ticker, health);
        this.dispatch = new MessageDispatch(this, config);
        this.outbound = new Outbound(this);
        this.limits = new OutboundLimits(this, config);
        this.close = new CloseProtocol(this, config);
        this.websocket = config.openWebsocketProtocol() ? new WebSocketTransport(config) : null;
    }

    /** A file served on {@code GET path} beside the WebSocket upgrade; before the server starts. */
    public void httpFile(String path, String contentType, byte[] body) {
        if (websocket == null) {
            throw new IllegalArgumentException("HTTP file " + path + " needs WebSocket: open_websocket_protocol or framing websocket");
        }
        websocket.addFile(path, new WebSocketTransport.StaticFile(body, contentType));
    }

    /** Gives each event loop its deadline wheel; called once before the first accept. */
    public void createWheels(Iterable<EventExecutor> loops) {
        for (EventExecutor loop : loops) {
            liveness.createWheel(loop);
        }
    }

    /** How often the event loops woke to look at their deadline wheels (they sleep while nothing is due). */
    public long wheelWakeUps() {
        return liveness.wakeUps();
    }

    /** The open connection with this id, or null. */
    public ServerConnection connection(long id) {
        return registry.get(id);
    }

    /** The open connections, a snapshot. */
    public List<ServerConnection> connections() {
        return registry.all();
    }

    public int connectionCount() {
        return registry.size();
    }

    /**
     * Shutdown: refuse new connections, close every open one with reason shutdown (frame clients
     * get a CLOSE frame) and run {@code whenEmpty} once the last one is gone.
     */
    public void closeAll(Runnable whenEmpty) {
        registry.markShuttingDown();
        registry.whenEmpty(whenEmpty);
        for (ServerConnection c : registry.all()) {
            close.close(c, CloseReason.SHUTDOWN, "", 0);
        }
    }

    /** Closes {@code c} with {@code reason} unless it is already closing. */
    public void close(ServerConnection c, CloseReason reason, String detail) {
        close.close(c, reason, detail, 0);
    }

    /**
     * Bytes queued for clients and not yet taken by their kernels, over every open connection: a
     * walk over all of them, for metrics at scrape time.
     */
    public long outboundQueuedBytes() {
        long sum = 0;
        for (ServerConnection c : registry.all()) {
            ChannelOutboundBuffer queue = c.channel.unsafe().outboundBuffer();
            if (queue != null) {
                sum += queue.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /**
     * Swoole's heartbeat() sweep: the ids of connections silent for at least heartbeat_idle_time,
     * closed (reason idle timeout) when {@code close}.
     */
    public List<Long> sweepSilent(boolean close) {
        long idle = config.heartbeatIdleTime().toNanos();
        List<Long> ids = new ArrayList<>();
        if (idle <= 0) {
            return ids;
        }
        long now = ticker.nanoTime();
        for (ServerConnection c : registry.all()) {
            if (c.silentNanos(now) >= idle) {
                ids.add(c.id);
                if (close) {
                    close(c, CloseReason.IDLE_TIMEOUT, "heartbeat sweep");
                }
            }
        }
        return ids;
    }

    public Ticker ticker() {
        return ticker;
    }
}
