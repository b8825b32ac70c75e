package io.tether.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.tether.client.internal.ClientConnection;
import io.tether.client.internal.ClientSession;
import io.tether.client.internal.Owner;
import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the client connected: one attempt at a time to the endpoint in turn, the next endpoint
 * after every loss or failed attempt (failover, round-robin), jittered backoff between attempts
 * ({@link Backoff}; restarts after each handshake, gives up after its max attempts), host names
 * resolved off the loop ({@link HostResolver}); and the state machine, each transition reported to
 * the listener as a {@link StateChange} with its reason. In ON_USE mode a loss leaves the client
 * DISCONNECTED until something is sent.
 *
 * <p>Owns the connections it makes: their lifecycle events drive the state machine, their traffic
 * goes to {@link Inbound}, too-many-pings to the {@link HeartbeatPolicy}. Everything but
 * {@link #state()} and {@link #connectedTo()} runs on the client's event loop.
 */
final class Reconnector {
    private static final Logger log = LoggerFactory.getLogger("io.tether.client");

    private final ClientConfig config;
    private final ClientListener listener;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Outbox outbox;
    private final HeartbeatPolicy heartbeat;
    /** Resumable session state (ClientConfig.resume), or null. */
    private final ClientSession session;
    /** After giving up: shuts down the event loop group when the client owns it. */
    private final Runnable releaseGroup;
    private final Owner events;

    // Event-loop state.
    private ClientState state = ClientState.DISCONNECTED;
    private int endpointIndex;
    private Backoff.Sequence backoff;
    private ClientConnection current;
    private ScheduledFuture<?> pendingAttempt;
    private boolean started;

    // Read from any thread.
    private volatile ClientState publicState = ClientState.DISCONNECTED;
    private volatile InetSocketAddress connectedTo;

    Reconnector(ClientConfig config, ClientListener listener, EventLoop loop, Bootstrap bootstrap, Outbox outbox,
                HeartbeatPolicy heartbeat, ClientSession session, Inbound inbound, Runnable releaseGroup) {
        this.config = config;
        this.listener = listener;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.outbox = outbox;
        this.heartbeat = heartbeat;
        this.session = session;
        this.releaseGroup = releaseGroup;
        this.events = new Events(inbound);
    }

    ClientState state() {
        return publicState;
    }

    /** The endpoint of the current connection, or null when not connected. */
    InetSocketAddress connectedTo() {
        return connectedTo;
    }

    /** Starts connecting (CONNECTING), once. Any thread. */
    void start() {
        loop.execute(() -> {
            if (started || state == ClientState.CLOSED) {
                return;
            }
            started = true;
            transition(ClientState.CONNECTING, endpoint(endpointIndex), endpointIndex, null, null, 0, 0);
            attempt();
        });
    }

    /**
     * The application closed the client: no more attempts, CLOSED reported, the socket closed after a
     * CLOSE frame tells the server why. {@code done} runs once the socket is closed (at once without one).
     */
    void close(Runnable done) {
        if (pendingAttempt != null) {
            pendingAttempt.cancel(false);
            pendingAttempt = null;
        }
        ClientConnection c = current;
        current = null;
        boolean open = c != null && c.channel() != null;
        // CLOSED is reported before the socket closes: its close future may complete at once and
        // release the caller, who must then see CLOSED.
        if (state != ClientState.CLOSED) {
            transition(ClientState.CLOSED, c == null ? null : c.endpoint(), c == null ? -1 : c.endpointIndex(),
                    open ? new CloseInfo(CloseReason.CLOSED_BY_CLIENT, Duration.ZERO, "") : null, null, 0, 0);
        }
        if (open) {
            c.closeWith(CloseReason.CLOSED_BY_CLIENT, "", true);
            c.channel().closeFuture().addListener(x -> done.run());
        } else {
            done.run();
        }
    }

    /** ON_USE mode: a message waits; connect if nothing is connected or connecting. */
    void connectOnUse() {
        if (state == ClientState.DISCONNECTED && started) {
            transition(ClientState.CONNECTING, endpoint(endpointIndex), endpointIndex, null, null, 0, 0);
            attempt();
        }
    }

    private InetSocketAddress endpoint(int i) {
        return config.endpoints().get(i);
    }

    private void attempt() {
        pendingAttempt = null;
        if (state == ClientState.CLOSED) {
            return;
        }
        int idx = endpointIndex;
        InetSocketAddress ep = endpoint(idx);
        ClientConnection conn = new ClientConnection(events, config, ep, idx, heartbeat.forHello());
        if (session != null) {
            conn.session(session);
        }
        if (config.ssl()) {
            conn.tls(config.sslContext());
        }
        current = conn;
        HostResolver.resolve(ep, loop, (addr, err) -> {
            if (conn != current || state == ClientState.CLOSED) {
                return;
            }
            if (err != null) {
                attemptFailed(conn, err);
            } else {
                connect(conn, addr);
            }
        });
    }

    private void connect(ClientConnection conn, InetSocketAddress resolved) {
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                conn.init(ch);
            }
        }).connect(resolved);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                attemptFailed(conn, done.cause());
            }
        });
    }

    private void attemptFailed(ClientConnection conn, Throwable cause) {
        if (conn != current || state == ClientState.CLOSED) {
            return;
        }
        current = null;
        endpointIndex = (endpointIndex + 1) % config.endpoints().size();
        if (config.mode() == ConnectionMode.ON_USE && outbox.queued() == 0) {
            transition(ClientState.DISCONNECTED, conn.endpoint(), conn.endpointIndex(), null, cause, 0, 0);
            return;
        }
        scheduleAttempt(null, cause);
    }

    private void scheduleAttempt(CloseInfo info, Throwable cause) {
        if (backoff == null) {
            backoff = config.backoff().start();
        }
        long delay = backoff.nextDelayNanos();
        if (delay < 0) {
            TetherClientException gaveUp = new TetherClientException("gave up after " + backoff.attempts()
                    + " reconnect attempts (backoff maxAttempts = " + config.backoff().maxAttempts() + "); last: "
                    + (cause != null ? cause.getMessage() : String.valueOf(info)), cause);
            outbox.gaveUp(gaveUp);
            transition(ClientState.CLOSED, null, -1, info, gaveUp, 0, 0);
            releaseGroup.run();
            return;
        }
        transition(ClientState.RECONNECTING, endpoint(endpointIndex), endpointIndex, info, cause, backoff.attempts(), delay);
        pendingAttempt = loop.schedule(this::attempt, delay, TimeUnit.NANOSECONDS);
    }

    /** The handshake is done: CONNECTED, then what waits is flushed and sends go straight to {@code conn}. */
    private void ready(ClientConnection conn, Frame.Welcome welcome) {
        if (conn != current || state == ClientState.CLOSED) {
            conn.closeWith(CloseReason.CLOSED_BY_CLIENT, "", true);
            return;
        }
        backoff = null; // an outage ends with a handshake; the next one starts from `initial`
        long hb = heartbeat.fit(welcome);
        outbox.serverLimit(welcome);
        connectedTo = conn.endpoint();
        conn.startHeartbeat(hb, welcome);
        transition(ClientState.CONNECTED, conn.endpoint(), conn.endpointIndex(), null, null, 0, 0);
        if (outbox.attach(conn, welcome) && session != null && welcome != null && welcome.sequenced()) {
            try {
                listener.onSessionReady(welcome.resumed());
            } catch (RuntimeException e) {
                log.warn("client listener threw", e);
            }
        }
    }

    /** A connection ended: before its handshake, a failed attempt; after it, a lost connection. */
    private void closed(ClientConnection conn, CloseInfo info) {
        if (conn != current || state == ClientState.CLOSED) {
            return;
        }
        if (!conn.wasReady()) {
            // Before clearing `current`: attemptFailed ignores a connection that is not current.
            attemptFailed(conn, conn.tlsFailure() != null ? conn.tlsFailure() : new TetherClientException(conn + " closed before the handshake finished: " + info));
            return;
        }
        current = null;
        connectedTo = null;
        outbox.detach(conn);
        endpointIndex = (endpointIndex + 1) % config.endpoints().size();
        if (config.mode() == ConnectionMode.ON_USE) {
            transition(ClientState.DISCONNECTED, conn.endpoint(), conn.endpointIndex(), info, null, 0, 0);
            if (outbox.queued() > 0) {
                connectOnUse();
            }
            return;
        }
        scheduleAttempt(info, null);
    }

    private void transition(ClientState to, InetSocketAddress ep, int idx, CloseInfo info, Throwable cause,
                            int attempt, long delayNanos) {
        ClientState from = state;
        state = to;
        publicState = to;
        StateChange change = new StateChange(from, to, ep, idx, info, cause, attempt, Duration.ofNanos(delayNanos));
        log.debug("{}", change);
        try {
            listener.onStateChange(change);
        } catch (RuntimeException e) {
            log.warn("client listener threw on {}", change, e);
        }
    }

    /** What connections report, on the event loop: lifecycle here, traffic to {@link Inbound}. */
    private final class Events implements Owner {
        private final Inbound inbound;

        Events(Inbound inbound) {
            this.inbound = inbound;
        }

        @Override
        public void onReady(ClientConnection conn, Frame.Welcome welcome) {
            ready(conn, welcome);
        }

        @Override
        public void onClosed(ClientConnection conn, CloseInfo info) {
            closed(conn, info);
        }

        @Override
        public long onTooManyPings(ClientConnection conn, long serverMinMillis, String why) {
            return heartbeat.tooManyPings(conn.heartbeatNanos(), serverMinMillis, why);
        }

        @Override
        public void onMessage(ClientConnection conn, byte[] message) {
            inbound.message(conn, message);
        }

        @Override
        public void onSeqData(ClientConnection conn, Frame.SeqData data) {
            inbound.seqData(conn, data);
        }

        @Override
        public void onAck(ClientConnection conn, long seq) {
            inbound.ack(conn, seq);
        }

        @Override
        public void onReadComplete(ClientConnection conn) {
            inbound.readComplete(conn);
        }

        @Override
        public void onSessionEnded(ClientConnection conn, int code, String reason) {
            inbound.sessionEnded(conn, code, reason);
        }
    }
}
