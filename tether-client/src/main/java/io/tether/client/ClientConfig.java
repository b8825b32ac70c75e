package io.tether.client;

import io.tether.core.backoff.Backoff;
import io.netty.handler.ssl.SslContext;
import io.tether.client.internal.Checks;
import io.tether.client.internal.ClientTls;
import io.tether.client.internal.Endpoints;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.transport.TlsEngine;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything a {@link TetherClient} is configured with; immutable. Build with {@link #builder()}.
 * Each setter's Javadoc gives its default; {@link Builder#build()} refuses values that cannot work
 * and says which and why; a TLS file that cannot be used throws a
 * {@link io.tether.core.config.ConfigException} naming the option and the file.
 */
public final class ClientConfig {
    /** The values, checked; a private copy never handed out (its endpoint list is copied too). */
    private final Builder v;
    private final List<InetSocketAddress> endpoints;
    /** Built once per config from the ssl options (every client of this config shares it); null without TLS. */
    private final SslContext sslContext;

    private ClientConfig(Builder b) {
        v = b.copy();
        endpoints = List.copyOf(v.endpoints);
        sslContext = v.ssl ? ClientTls.context(this) : null;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return v.copy();
    }

    /**
     * Parses {@code HOST:PORT} ({@code [::1]:9501} for IPv6). The host is resolved at each connect
     * attempt, not here, so a DNS change is picked up on reconnect.
     */
    public static InetSocketAddress parseEndpoint(String hostPort) {
        return Endpoints.parse(hostPort);
    }

    public List<InetSocketAddress> endpoints() { return endpoints; }
    public Protocol protocol() { return v.protocol; }
    public ConnectionMode mode() { return v.mode; }
    public String clientName() { return v.clientName; }
    public Duration heartbeatInterval() { return v.heartbeatInterval; }
    public Duration pingTimeout() { return v.pingTimeout; }
    public Duration connectTimeout() { return v.connectTimeout; }
    public Backoff backoff() { return v.backoff; }
    public int maxQueuedMessages() { return v.maxQueuedMessages; }
    public long maxQueuedBytes() { return v.maxQueuedBytes; }
    public int packageMaxLength() { return v.packageMaxLength; }
    public boolean openTcpKeepalive() { return v.openTcpKeepalive; }
    public Duration tcpKeepIdle() { return v.tcpKeepIdle; }
    public Duration tcpKeepInterval() { return v.tcpKeepInterval; }
    public int tcpKeepCount() { return v.tcpKeepCount; }
    public Duration tcpUserTimeout() { return v.tcpUserTimeout; }
    public boolean resume() { return v.resume; }
    public boolean confirm() { return v.confirm; }
    /** True when the client speaks TLS. */
    public boolean ssl() { return v.ssl; }
    /** PEM CA certificates trusted for the server's certificate; null: the JDK's trust store. */
    public Path sslCafile() { return v.sslCafile; }
    /** True (the default) when the server's certificate and host name are verified. */
    public boolean sslVerifyPeer() { return v.sslVerifyPeer; }
    /** The name the server's certificate must carry; null: each endpoint's host. */
    public String sslHostName() { return v.sslHostName; }
    /** This client's certificate chain (PEM), for servers with ssl_verify_peer; null: none. */
    public Path sslCertFile() { return v.sslCertFile; }
    /** This client's PKCS#8 PEM private key; null: none. */
    public Path sslKeyFile() { return v.sslKeyFile; }
    /** The TLS engine asked for ({@code AUTO}: OpenSSL when it loads, else the JDK's). */
    public TlsEngine sslEngine() { return v.sslEngine; }

    /** The shared TLS context, or null without TLS. */
    SslContext sslContext() { return sslContext; }

    /** @deprecated use {@link #packageMaxLength()}, the server's name; removed in the next release. */
    @Deprecated
    public int maxFrameLength() { return packageMaxLength(); }

    /** @deprecated use {@link #openTcpKeepalive()}, the server's name; removed in the next release. */
    @Deprecated
    public boolean tcpKeepalive() { return openTcpKeepalive(); }

    @Override
    public String toString() {
        return "ClientConfig{v.endpoints=" + v.endpoints + ", " + v.protocol.name().toLowerCase(Locale.ROOT) + ", "
                + v.mode.name().toLowerCase(Locale.ROOT) + ", heartbeat " + v.heartbeatInterval.toMillis() + " ms, ping timeout "
                + v.pingTimeout.toMillis() + " ms, connect timeout " + v.connectTimeout.toMillis() + " ms, " + v.backoff
                + ", queue " + v.maxQueuedMessages + " messages / " + v.maxQueuedBytes + " bytes, keepalive "
                + (v.openTcpKeepalive ? v.tcpKeepIdle.toSeconds() + "/" + v.tcpKeepInterval.toSeconds() + "/" + v.tcpKeepCount : "off")
                + ", tcp_user_timeout " + v.tcpUserTimeout.toMillis() + " ms"
                + (v.resume ? ", resume" : "") + (v.confirm ? ", confirm" : "")
                + (v.ssl ? ", tls " + v.sslEngine.text() + (v.sslVerifyPeer ? ", verified" + (v.sslCafile != null ? " by " + v.sslCafile : "")
                        : ", NOT verified") + (v.sslCertFile != null ? ", client certificate " + v.sslCertFile : "") : "") + "}";
    }

    /**
     * Collects values; {@link #build()} checks them. Its fields are the config's values (a config
     * keeps a private copy), so besides the endpoint list they must stay immutable types.
     */
    public static final class Builder implements Cloneable {
        private ArrayList<InetSocketAddress> endpoints = new ArrayList<>();
        private Protocol protocol = Protocol.FRAME;
        private ConnectionMode mode = ConnectionMode.PERSISTENT;
        private String clientName = "tether-client";
        private Duration heartbeatInterval = Duration.ofSeconds(15);
        private Duration pingTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Backoff backoff = Backoff.defaults();
        private int maxQueuedMessages = 10_000;
        private long maxQueuedBytes = 16L * 1024 * 1024;
        private int packageMaxLength = 16 * 1024 * 1024;
        private boolean openTcpKeepalive;
        private Duration tcpKeepIdle = Duration.ofSeconds(60);
        private Duration tcpKeepInterval = Duration.ofSeconds(10);
        private int tcpKeepCount = 3;
        private Duration tcpUserTimeout = Duration.ZERO;
        private boolean resume;
        private boolean confirm;
        private boolean ssl;
        private Path sslCafile;
        private boolean sslVerifyPeer = true;
        private String sslHostName;
        private Path sslCertFile;
        private Path sslKeyFile;
        private TlsEngine sslEngine = TlsEngine.AUTO;

        private Builder() {
        }

        /**
         * Adds an endpoint, {@code HOST:PORT}. Several endpoints are tried in order, round-robin: each
         * lost connection or failed attempt moves to the next one (failover). At least one is required.
         */
        public Builder endpoint(String hostPort) {
            endpoints.add(parseEndpoint(hostPort));
            return this;
        }

        /** Adds an endpoint. */
        public Builder endpoint(String host, int port) {
            endpoints.add(InetSocketAddress.createUnresolved(host, port));
            return this;
        }

        /** Adds an endpoint. */
        public Builder endpoint(InetSocketAddress address) {
            endpoints.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /** Adds several endpoints, in failover order. */
        public Builder endpoints(List<InetSocketAddress> addresses) {
            addresses.forEach(this::endpoint);
            return this;
        }

        /** {@link Protocol#FRAME} (default) or {@link Protocol#LINE}. */
        public Builder protocol(Protocol v) { protocol = Objects.requireNonNull(v, "protocol"); return this; }

        /** {@link ConnectionMode#PERSISTENT} (default) or {@link ConnectionMode#ON_USE}. */
        public Builder mode(ConnectionMode v) { mode = Objects.requireNonNull(v, "mode"); return this; }

        /** Sent in HELLO, for the server's logs. Default {@code tether-client}. */
        public Builder clientName(String v) { clientName = Objects.requireNonNull(v, "clientName"); return this; }

        /**
         * Send a PING when nothing has been read for this long (measured from the last byte read,
         * as gRPC does). Default 15 s; 0 sends no pings (server pings are still answered). The
         * server's WELCOME can lower it (to half its idle timeout) and raise it (to its minimum ping
         * interval); see docs/CLIENT.md.
         */
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = Objects.requireNonNull(v, "heartbeatInterval"); return this; }

        /** After a PING, declare the server dead (reason {@code ping timeout}) when nothing at all arrives within this long. Default 10 s. */
        public Builder pingTimeout(Duration v) { pingTimeout = Objects.requireNonNull(v, "pingTimeout"); return this; }

        /** Longest time for the TCP connect plus the handshake (WELCOME) of one attempt. Default 5 s. */
        public Builder connectTimeout(Duration v) { connectTimeout = Objects.requireNonNull(v, "connectTimeout"); return this; }

        /** Delays between reconnect attempts. Default {@link Backoff#defaults()}: 500 ms initial, 30 s max, x2, full jitter, unlimited. */
        public Builder backoff(Backoff v) { backoff = Objects.requireNonNull(v, "backoff"); return this; }

        /** Most messages held while disconnected ({@code max_queued_messages}); one more fails its send. Default 10,000. */
        public Builder maxQueuedMessages(int v) { maxQueuedMessages = v; return this; }

        /** Most payload bytes held while disconnected ({@code max_queued_bytes}). Default 16 MiB. */
        public Builder maxQueuedBytes(long v) { maxQueuedBytes = v; return this; }

        /**
         * Largest frame payload (or line) accepted from the server; larger is a protocol error
         * ({@code package_max_length}, as on the server). Default 16 MiB.
         */
        public Builder packageMaxLength(int v) { packageMaxLength = v; return this; }

        /**
         * Largest frame payload (or line) accepted from the server.
         *
         * @deprecated use {@link #packageMaxLength(int)}, the server's name; removed in the next release.
         */
        @Deprecated
        public Builder maxFrameLength(int v) { return packageMaxLength(v); }

        /** Kernel TCP keepalive (SO_KEEPALIVE) on the client's socket ({@code open_tcp_keepalive}, as on the server). Default off. */
        public Builder openTcpKeepalive(boolean v) { openTcpKeepalive = v; return this; }

        /**
         * Kernel TCP keepalive on the client's socket.
         *
         * @deprecated use {@link #openTcpKeepalive(boolean)}, the server's name; removed in the next release.
         */
        @Deprecated
        public Builder tcpKeepalive(boolean v) { return openTcpKeepalive(v); }

        /** TCP_KEEPIDLE, whole seconds. Default 60 s. */
        public Builder tcpKeepIdle(Duration v) { tcpKeepIdle = Objects.requireNonNull(v, "tcpKeepIdle"); return this; }

        /** TCP_KEEPINTVL, whole seconds. Default 10 s. */
        public Builder tcpKeepInterval(Duration v) { tcpKeepInterval = Objects.requireNonNull(v, "tcpKeepInterval"); return this; }

        /** TCP_KEEPCNT. Default 3. */
        public Builder tcpKeepCount(int v) { tcpKeepCount = v; return this; }

        /**
         * TCP_USER_TIMEOUT: the kernel drops the connection when sent data stays unacknowledged this
         * long (keepalive cannot fire while data is in flight). Default 0 = the kernel's (~15 min).
         * Needs native epoll; with NIO it is logged as not applied.
         */
        public Builder tcpUserTimeout(Duration v) { tcpUserTimeout = Objects.requireNonNull(v, "tcpUserTimeout"); return this; }

        /**
         * Resumable sessions (docs/SESSIONS.md): ask the server for a sequenced session, number every
         * message, keep it until the server acknowledges it (the send future completes then), and
         * after a lost connection come back with the resume token so the server replays what it sent
         * meanwhile and this client resends what the server missed, each exactly once. Frame mode
         * only; a server without sessions answers with a plain connection. Default off.
         */
        public Builder resume(boolean v) { resume = v; return this; }

        /**
         * Confirmed sends on a plain connection (no sequenced session): a message's future completes
         * when the server has answered a PING sent after it (so it had read the message), and fails
         * with a {@link ConnectionLostException} ("... not confirmed ...") if the connection ends
         * first. Costs one PING per batch of sends, one outstanding, spaced by the server's minimum
         * ping interval, so never against its ping rate (docs/CLIENT.md, "Confirmed sends"). A
         * sequenced session's ACK confirms without it. Default off: futures complete on the write.
         */
        public Builder confirm(boolean v) { confirm = v; return this; }

        /**
         * Speak TLS (the server has {@code ssl_cert_file}); docs/TLS.md. The server's certificate is
         * verified against {@link #sslCafile} (or the JDK's trust store) and must name the host
         * connected to; a failed handshake fails the attempt with a {@link TlsHandshakeException}
         * saying why. Default off.
         */
        public Builder ssl(boolean v) { ssl = v; return this; }

        /** PEM file of the CA certificates to trust for the server's certificate (Swoole's {@code ssl_cafile}). Default: the JDK's trust store. */
        public Builder sslCafile(Path v) { sslCafile = v; return this; }

        /**
         * Verify the server's certificate and host name (Swoole's {@code ssl_verify_peer}). Default
         * on; off accepts any certificate, which only tests should do (logged as a warning).
         */
        public Builder sslVerifyPeer(boolean v) { sslVerifyPeer = v; return this; }

        /**
         * The name the server's certificate must carry, and the SNI name sent (Swoole's
         * {@code ssl_host_name}). Default: each endpoint's host, as given.
         */
        public Builder sslHostName(String v) { sslHostName = v; return this; }

        /** PEM certificate chain this client presents, for servers with {@code ssl_verify_peer} (Swoole's {@code ssl_cert_file}). */
        public Builder sslCertFile(Path v) { sslCertFile = v; return this; }

        /** The PKCS#8 PEM private key of {@link #sslCertFile} (Swoole's {@code ssl_key_file}). */
        public Builder sslKeyFile(Path v) { sslKeyFile = v; return this; }

        /** {@link TlsEngine#AUTO} (default: OpenSSL when it loads), {@code JDK} or {@code OPENSSL}, as the server's {@code ssl_engine}. */
        public Builder sslEngine(TlsEngine v) { sslEngine = Objects.requireNonNull(v, "sslEngine"); return this; }

        public ClientConfig build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("no endpoint: add at least one with endpoint(\"HOST:PORT\")");
            }
            Checks.nonNegative("heartbeatInterval", heartbeatInterval);
            Checks.positive("pingTimeout", pingTimeout);
            Checks.positive("connectTimeout", connectTimeout);
            Checks.nonNegative("tcpUserTimeout", tcpUserTimeout);
            if (maxQueuedMessages < 0) {
                throw new IllegalArgumentException("maxQueuedMessages must be >= 0 (0 fails every send while disconnected), got " + maxQueuedMessages);
            }
            if (maxQueuedBytes < 0) {
                throw new IllegalArgumentException("maxQueuedBytes must be >= 0, got " + maxQueuedBytes);
            }
            // The HELLO goes out before WELCOME tells the server's limits: it must fit the protocol's own.
            int hello = FrameCodec.encodedLength(new Frame.Hello(clientName, 0, new byte[Frame.Hello.RESUME_TOKEN_LENGTH], 0))
                    - FrameCodec.HEADER_LENGTH;
            if (hello > FrameCodec.MAX_HELLO_LENGTH) {
                throw new IllegalArgumentException("clientName is too long: its HELLO would be " + hello + " bytes, over the "
                        + FrameCodec.MAX_HELLO_LENGTH + " every server accepts (docs/PROTOCOL.md, Frame sizes)");
            }
            if (packageMaxLength < 64) {
                throw new IllegalArgumentException("packageMaxLength must be >= 64 bytes (WELCOME must fit), got " + packageMaxLength);
            }
            if (openTcpKeepalive) {
                Checks.wholeSeconds("tcpKeepIdle", tcpKeepIdle);
                Checks.wholeSeconds("tcpKeepInterval", tcpKeepInterval);
                if (tcpKeepCount < 1 || tcpKeepCount > 127) {
                    throw new IllegalArgumentException("tcpKeepCount must be 1..127, got " + tcpKeepCount);
                }
            }
            if (!ssl && (sslCafile != null || sslHostName != null || sslCertFile != null || sslKeyFile != null)) {
                throw new IllegalArgumentException("an ssl option is set but ssl is off: call ssl(true) to speak TLS");
            }
            if ((sslCertFile == null) != (sslKeyFile == null)) {
                throw new IllegalArgumentException(sslCertFile == null ? "sslKeyFile is set but sslCertFile is not: a client certificate needs both"
                        : "sslCertFile is set but sslKeyFile is not: a client certificate needs both");
            }
            return new ClientConfig(this);
        }

        /** A copy: every field but the endpoint list holds an immutable value. */
        @SuppressWarnings("unchecked")
        Builder copy() {
            try {
                Builder c = (Builder) super.clone();
                c.endpoints = (ArrayList<InetSocketAddress>) endpoints.clone();
                return c;
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
