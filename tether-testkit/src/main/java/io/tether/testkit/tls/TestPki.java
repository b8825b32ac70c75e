package io.tether.testkit.tls;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import javax.net.ssl.SSLContext;

/**
 * A throwaway PKI for TLS tests, made fresh in a directory on each use with Netty's
 * {@code netty-pkitesting} (no key is committed): a server CA and a server certificate for
 * {@code localhost} and {@code 127.0.0.1}, a client CA and a client certificate, and a second,
 * untrusted CA with a server certificate of its own. Every file is PEM; keys are unencrypted PKCS#8.
 *
 * <p>A module whose tests use it declares {@code io.netty:netty-pkitesting} with test scope.
 */
public final class TestPki {
    /** The server CA (trust it to verify {@link #serverChain}). */
    public final Path caFile;
    /** The server certificate, then its CA. */
    public final Path serverChain;
    public final Path serverKey;
    /** The client CA (the server's ssl_client_cert_file). */
    public final Path clientCaFile;
    /** The client certificate, then its CA. */
    public final Path clientChain;
    public final Path clientKey;
    /** A server certificate (for localhost and 127.0.0.1) from a CA nobody trusts. */
    public final Path rogueServerChain;
    public final Path rogueServerKey;
    private final X509Bundle ca;
    private final X509Bundle client;

    private TestPki(Path dir, boolean rsa) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        CertificateBuilder base = new CertificateBuilder().notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(2, ChronoUnit.DAYS));
        if (rsa) {
            base.rsa2048();
        } else {
            base.ecp256();
        }
        X509Bundle ca = base.copy().subject("CN=Tether Test Server CA").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle server = base.copy().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        X509Bundle clientCa = base.copy().subject("CN=Tether Test Client CA").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle client = base.copy().subject("CN=tether-test-client").addExtendedKeyUsageClientAuth().buildIssuedBy(clientCa);
        X509Bundle rogueCa = base.copy().subject("CN=Rogue CA").setIsCertificateAuthority(true).buildSelfSigned();
        X509Bundle rogue = base.copy().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(rogueCa);
        this.ca = ca;
        this.client = client;
        caFile = write(dir.resolve("ca.pem"), ca.getCertificatePEM());
        serverChain = write(dir.resolve("server-chain.pem"), server.getCertificatePathPEM());
        serverKey = write(dir.resolve("server-key.pem"), server.getPrivateKeyPEM());
        clientCaFile = write(dir.resolve("client-ca.pem"), clientCa.getCertificatePEM());
        clientChain = write(dir.resolve("client-chain.pem"), client.getCertificatePathPEM());
        clientKey = write(dir.resolve("client-key.pem"), client.getPrivateKeyPEM());
        rogueServerChain = write(dir.resolve("rogue-chain.pem"), rogue.getCertificatePathPEM());
        rogueServerKey = write(dir.resolve("rogue-key.pem"), rogue.getPrivateKeyPEM());
    }

    /** A fresh PKI with P-256 (ECDSA) keys, its PEM files in {@code dir}. */
    public static TestPki create(Path dir) {
        return create(dir, false);
    }

    /** A fresh PKI, RSA-2048 keys when {@code rsa}, else P-256. */
    public static TestPki create(Path dir, boolean rsa) {
        try {
            return new TestPki(dir, rsa);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot make the test PKI: " + e, e);
        }
    }

    /**
     * A JDK client context (TLS 1.3 and 1.2) that trusts the server CA, presenting the client
     * certificate when {@code withClientCertificate}; for tests that speak TLS over a plain
     * {@link javax.net.ssl.SSLSocket}, as a client in another language would.
     */
    public SSLContext jdkClientContext(boolean withClientCertificate) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(withClientCertificate ? client.toKeyManagerFactory().getKeyManagers() : null,
                    ca.toTrustManagerFactory().getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path file, String pem) {
        try {
            return Files.writeString(file, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
