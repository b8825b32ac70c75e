package io.tether.client.internal;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tether.client.ClientConfig;
import io.tether.core.config.ConfigException;
import io.tether.core.tls.PemFiles;
import io.tether.core.tls.TlsEngines;
import java.net.InetSocketAddress;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's TLS: one {@link SslContext} per config (trust: {@code sslCafile} or the JDK's trust
 * store; optional client certificate), and per connection an {@link SslHandler} that verifies the
 * server's certificate and that it names the host connected to (or {@code sslHostName}).
 */
public final class ClientTls {
    private static final Logger log = LoggerFactory.getLogger("io.tether.client");

    private ClientTls() {
    }

    /** The context for {@code config}; wrong files throw a ConfigException naming the option and the file. */
    public static SslContext context(ClientConfig config) {
        SslProvider provider = TlsEngines.provider("sslEngine", config.sslEngine());
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider);
        if (!config.sslVerifyPeer()) {
            log.warn("sslVerifyPeer is off: any server certificate is accepted, so anyone on the path can read and change the traffic");
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            b.endpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host (RFC 2818 rules)
            if (config.sslCafile() != null) {
                b.trustManager(PemFiles.certificates("sslCafile", config.sslCafile()));
            }
        }
        if (config.sslCertFile() != null) {
            PemFiles.Identity id = PemFiles.identity("sslCertFile", config.sslCertFile(), "sslKeyFile", config.sslKeyFile());
            b.keyManager(id.key(), id.chain());
        }
        try {
            SslContext context = b.build();
            log.debug("TLS engine {}", TlsEngines.describe(provider));
            return context;
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException("TLS: the " + provider.name().toLowerCase(Locale.ROOT) + " engine refused this client's settings: "
                    + e.getMessage(), e);
        }
    }

    /** The TLS step for a connection to {@code endpoint}; its handshake must finish within the connect timeout. */
    static SslHandler handler(SslContext context, Channel ch, ClientConfig config, InetSocketAddress endpoint) {
        SslHandler h = context.newHandler(ch.alloc(), verifiedHost(config, endpoint), endpoint.getPort());
        h.setHandshakeTimeoutMillis(config.connectTimeout().toMillis());
        return h;
    }

    /** The name the server's certificate must carry (also sent as SNI when it is not an address). */
    static String verifiedHost(ClientConfig config, InetSocketAddress endpoint) {
        return config.sslHostName() != null ? config.sslHostName() : endpoint.getHostString();
    }
}
