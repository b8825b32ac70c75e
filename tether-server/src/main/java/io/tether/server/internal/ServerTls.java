package io.tether.server.internal;

import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.tether.core.config.ConfigException;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.tls.PemFiles;
import io.tether.core.tls.TlsEngines;
import io.tether.core.tls.TlsFailures;
import io.tether.core.transport.TlsEngine;
import io.tether.server.ServerConfig;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for every connection of one server: one {@link SslContext} built from the {@code ssl_*}
 * keys, and per connection one {@link SslHandler} in front of whatever reads the plaintext
 * ({@link ConnectionCodec} today; a WebSocket pipeline would put the same step first).
 *
 * <p>A handshake that fails is the client's protocol error, with a detail saying it was the TLS
 * handshake and why (not TLS at all, no client certificate, a certificate that does not verify,
 * too slow); a handshake that fails because the connection went away keeps the reason the socket
 * gave (peer closed, peer reset).
 */
public final class ServerTls {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    private final SslContext context;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;

    private ServerTls(SslContext context, SslProvider provider, long handshakeTimeoutMillis) {
        this.context = context;
        this.provider = provider;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /** The server's TLS, or null when {@code ssl_cert_file} is not set. Wrong files throw a ConfigException naming the key. */
    public static ServerTls create(ServerConfig config) {
        if (!config.tls()) {
            return null;
        }
        PemFiles.Identity id = PemFiles.identity("ssl_cert_file", config.sslCertFile(), "ssl_key_file", config.sslKeyFile());
        X509Certificate[] chain = id.chain();
        String validity = PemFiles.validityWarning("ssl_cert_file", config.sslCertFile(), chain[0]);
        if (validity != null) {
            log.warn(validity);
        }
        SslProvider provider = TlsEngines.provider("ssl_engine", config.sslEngine());
        SslContextBuilder b = SslContextBuilder.forServer(id.key(), chain).sslProvider(provider);
        if (config.sslVerifyPeer()) {
            b.clientAuth(ClientAuth.REQUIRE);
            if (config.sslClientCertFile() != null) {
                b.trustManager(PemFiles.certificates("ssl_client_cert_file", config.sslClientCertFile()));
            }
        }
        SslContext context;
        try {
            context = b.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("ssl_cert_file / ssl_key_file: the " + provider.name().toLowerCase(java.util.Locale.ROOT)
                    + " engine refused " + config.sslCertFile() + " with " + config.sslKeyFile() + ": " + e.getMessage(), e);
        }
        // One deadline for the whole handshake, TLS included: handshake_timeout (0 turns both off). Under
        // framing auto or frame Liveness's deadline, armed at accept, would end a slow TLS handshake too;
        // this one also covers framing line and raw, and names the TLS step in the close detail.
        ServerTls tls = new ServerTls(context, provider, config.handshakeTimeout().toMillis());
        String why = config.sslEngine() == TlsEngine.AUTO ? TlsEngines.whyNotOpenSsl() : null;
        log.info("TLS on: engine {}{}, certificate {} (expires {}), client certificates {}", TlsEngines.describe(provider),
                why != null ? " (openssl unavailable: " + why + ")" : "", chain[0].getSubjectX500Principal().getName(),
                chain[0].getNotAfter().toInstant(), config.sslVerifyPeer()
                        ? "required" + (config.sslClientCertFile() != null ? " (CA " + config.sslClientCertFile() + ")" : " (JDK trust store)")
                        : "not asked for");
        return tls;
    }

    /** The engine that runs: {@link TlsEngine#OPENSSL} or {@link TlsEngine#JDK}. */
    public TlsEngine engine() {
        return provider == SslProvider.JDK ? TlsEngine.JDK : TlsEngine.OPENSSL;
    }

    /**
     * The TLS step of {@code conn}'s pipeline, first in it. Its handshake listener is the only
     * per-connection object TLS adds besides the engine, and is dropped once the handshake is done.
     */
    SslHandler newHandler(Channel ch, ServerConnection conn) {
        SslHandler h = context.newHandler(ch.alloc());
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        h.handshakeFuture().addListener(new HandshakeWatch(conn));
        return h;
    }

    /** Turns a failed handshake into the connection's close reason. */
    private static final class HandshakeWatch implements GenericFutureListener<Future<Channel>> {
        private final ServerConnection conn;

        HandshakeWatch(ServerConnection conn) {
            this.conn = conn;
        }

        @Override
        public void operationComplete(Future<Channel> f) {
            if (f.isSuccess() || !conn.channel.isActive()) {
                return; // the socket went first (FIN, RST): its own reason stands
            }
            conn.ctx.close.protocolError(conn, new ProtocolException(TlsFailures.onServer(f.cause())));
        }
    }
}
