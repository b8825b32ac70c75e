package io.tether.client.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.tether.client.ClientClosedException;
import io.tether.client.ClientConfig;
import io.tether.client.ConnectionLostException;
import io.tether.client.TetherClientException;
import io.tether.client.Protocol;
import io.tether.client.TlsHandshakeException;
import io.tether.core.close.CloseClassifier;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameDecoder;
import io.tether.core.protocol.FrameEncoder;
import io.tether.core.tls.TlsFailures;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/**
 * One attempt's socket and its liveness state. The pipeline's handlers share this object; all
 * fields are touched on the channel's event loop only.
 *
 * <pre>
 * activity (stamp last read/write) -> [tls] -> frame or line codec -> handshake -> heartbeat -> session
 * </pre>
 */
public final class ClientConnection {
    final Owner owner;
    final ClientConfig config;
    final InetSocketAddress endpoint;
    final int endpointIndex;
    /** Heartbeat to announce in HELLO, before WELCOME tells the real one. */
    final long helloHeartbeatNanos;
    Channel channel;
    /** Sessions: what HELLO says and where sequenced frames go; null without resume. */
    ClientSession session;
    /** TLS (ClientConfig.ssl): the context the tls step comes from; null for plain TCP. */
    SslContext tls;
    /** Why this attempt's TLS handshake failed, or null. */
    private TlsHandshakeException tlsFailure;

    long lastReadNanos;
    long lastWriteNanos;
    private boolean ready;
    /** Frame mode: preamble and HELLO are out, so a CLOSE may follow (the server reads it after its WELCOME). */
    boolean helloSent;
    private CloseInfo closeInfo;
    private HeartbeatHandler heartbeat;

    public ClientConnection(Owner owner, ClientConfig config, InetSocketAddress endpoint, int endpointIndex,
                            long helloHeartbeatNanos) {
        this.owner = owner;
        this.config = config;
        this.endpoint = endpoint;
        this.endpointIndex = endpointIndex;
        this.helloHeartbeatNanos = helloHeartbeatNanos;
    }

    /** Sessions: resume or start the client's session on this connection. */
    public void session(ClientSession s) {
        this.session = s;
    }

    /** TLS: the connection speaks it, with an engine from {@code context}. */
    public void tls(SslContext context) {
        this.tls = context;
    }

    /** Why the TLS handshake failed, or null (it did not, or there is no TLS). */
    public TlsHandshakeException tlsFailure() {
        return tlsFailure;
    }

    /** Builds the pipeline on a fresh channel; called by the bootstrap's initializer. */
    public void init(Channel ch) {
        this.channel = ch;
        long now = System.nanoTime();
        lastReadNanos = now;
        lastWriteNanos = now;
        heartbeat = new HeartbeatHandler(this);
        ChannelPipeline p = ch.pipeline();
        p.addLast("activity", new ActivityHandler(this));
        if (tls != null) {
            p.addLast("tls", ClientTls.handler(tls, ch, config, endpoint));
        }
        if (config.protocol() == Protocol.FRAME) {
            p.addLast("decoder", new FrameDecoder(config.packageMaxLength(), false));
            p.addLast("encoder", FrameEncoder.INSTANCE);
        } else {
            p.addLast("lines", new LineBasedFrameDecoder(config.packageMaxLength(), true, true));
            p.addLast("decoder", new LineFrameDecoder());
            p.addLast("encoder", LineFrameEncoder.INSTANCE);
        }
        p.addLast("handshake", new HandshakeHandler(this));
        p.addLast("heartbeat", heartbeat);
        p.addLast("session", new SessionHandler(this));
    }

    public InetSocketAddress endpoint() {
        return endpoint;
    }

    public int endpointIndex() {
        return endpointIndex;
    }

    public Channel channel() {
        return channel;
    }

    /** True once the handshake completed: a lost connection, not a failed attempt. */
    public boolean wasReady() {
        return ready;
    }

    /** The heartbeat interval in force, in nanoseconds (0: no pings). */
    public long heartbeatNanos() {
        return heartbeat == null ? 0 : heartbeat.intervalNanos();
    }

    void ready(Frame.Welcome welcome) {
        ready = true;
        owner.onReady(this, welcome);
    }

    /** Starts pinging every {@code intervalNanos} of silence (0: never); the client calls this once ready. */
    public void startHeartbeat(long intervalNanos, Frame.Welcome welcome) {
        heartbeat.start(intervalNanos, welcome);
    }

    /**
     * Confirm mode ({@code ClientConfig.confirm}): {@code future}, of a message of {@code length}
     * bytes just written, completes once the server answers a PING sent after it, and fails with
     * {@link #unconfirmed} when the connection ends first. Call on the event loop.
     */
    public void awaitConfirmation(int length, CompletableFuture<Void> future) {
        heartbeat.awaitConfirmation(length, future);
    }

    /**
     * Why a written message of {@code length} bytes failed: the connection ended before the server
     * answered a PING sent after it, so it may or may not have arrived.
     */
    TetherClientException unconfirmed(int length) {
        CloseInfo info = closeInfo;
        String why = "message of " + length + " bytes not confirmed: " + this + " ended"
                + (info == null ? "" : " (" + info + ")")
                + " before the server answered a PING sent after it; it may or may not have arrived";
        return info != null && info.reason() == CloseReason.CLOSED_BY_CLIENT ? new ClientClosedException(why, null)
                : new ConnectionLostException(why, null);
    }

    /** Applies a new heartbeat interval (after too many pings). */
    public void changeHeartbeat(long intervalNanos) {
        heartbeat.setInterval(intervalNanos);
    }

    Duration silentFor() {
        return Duration.ofNanos(Math.max(0, System.nanoTime() - lastReadNanos));
    }

    /**
     * Ends the connection with {@code reason} (the first reason wins). With {@code tellServer}, a
     * CLOSE frame goes out first so the server knows why (frame mode, once the HELLO is out: a
     * malformed WELCOME is told too). A CLOSE is never answered with one (docs/PROTOCOL.md, Closing).
     */
    public void closeWith(CloseReason reason, String detail, boolean tellServer) {
        if (closeInfo == null) {
            closeInfo = new CloseInfo(reason, silentFor(), detail);
        }
        if (channel == null) {
            return;
        }
        if (tellServer && (ready || helloSent) && channel.isActive() && config.protocol() == Protocol.FRAME) {
            // Written and flushed before the close, without waiting for it: a peer that does not
            // read (frozen, full buffers) must not keep the socket open.
            channel.writeAndFlush(new Frame.Close(reason.code(), detail.isEmpty() ? reason.text() : reason.text() + ": " + detail));
        }
        channel.close();
    }

    /**
     * The TLS handshake failed (or the server refused the client's certificate before WELCOME): the
     * attempt fails with a {@link TlsHandshakeException} saying why.
     */
    void tlsFailed(Throwable cause) {
        if (tlsFailure == null && !ready) {
            tlsFailure = new TlsHandshakeException(TlsFailures.onClient(cause, ClientTls.verifiedHost(config, endpoint), endpoint.getPort()), cause);
        }
        closeWith(CloseReason.PROTOCOL_ERROR, tlsFailure != null ? tlsFailure.getMessage() : String.valueOf(cause.getMessage()), false);
    }

    void failed(Throwable cause) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof SSLException && !ready) {
            tlsFailed(t);
            return;
        }
        CloseReason reason = CloseClassifier.classify(cause, channel, config.openTcpKeepalive());
        String detail = t.getMessage() == null ? t.toString() : t.getMessage(); // the decoder's own words, not its wrapper's
        closeWith(reason, detail, reason == CloseReason.PROTOCOL_ERROR);
    }

    /** channelInactive: report exactly once, with the reason recorded first or "peer closed" (a FIN). */
    void finished() {
        if (closeInfo == null) {
            closeInfo = new CloseInfo(CloseReason.PEER_CLOSED, silentFor(), "");
        }
        if (heartbeat != null) {
            heartbeat.failUnconfirmed(); // before the owner hears of it: the application learns first, then the reconnect
        }
        owner.onClosed(this, closeInfo);
    }

    @Override
    public String toString() {
        return "connection to " + endpoint.getHostString() + ":" + endpoint.getPort();
    }
}
