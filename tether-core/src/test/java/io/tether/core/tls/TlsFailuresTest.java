package io.tether.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The words each side puts before an engine's own text, for the texts the JDK's engine and BoringSSL use (seen in TlsServerTest, TlsClientTest and by hand). */
class TlsFailuresTest {

    @Test
    void serverSide() {
        assertThat(TlsFailures.onServer(new NotSslRecordException("not an SSL/TLS record: 70696e670a")))
                .isEqualTo("TLS handshake failed: not a TLS client (its first bytes are not a TLS record)");
        assertThat(TlsFailures.onServer(new SSLHandshakeException("Empty client certificate chain")))
                .isEqualTo("TLS handshake failed: the client sent no certificate (ssl_verify_peer is on): Empty client certificate chain");
        assertThat(TlsFailures.onServer(new DecoderException(new SSLHandshakeException(
                "error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE"))))
                .startsWith("TLS handshake failed: the client sent no certificate (ssl_verify_peer is on): error:100000c0");
        assertThat(TlsFailures.onServer(new SSLHandshakeException("Received fatal alert: certificate_unknown")))
                .startsWith("TLS handshake failed: the client does not trust the server's certificate (ssl_cert_file): ");
        assertThat(TlsFailures.onServer(new SSLHandshakeException("error:10000438:SSL routines:OPENSSL_internal:TLSV1_ALERT_INTERNAL_ERROR")))
                .startsWith("TLS handshake failed: the client gave up on the handshake");
        assertThat(TlsFailures.onServer(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
                .isEqualTo("TLS handshake failed: handshake timed out after 10000ms");
    }

    @Test
    void clientSide() {
        SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
        pkix.initCause(new java.security.cert.CertPathValidatorException("unable to find valid certification path to requested target"));
        assertThat(TlsFailures.onClient(pkix, "localhost", 9501)).isEqualTo("TLS handshake with localhost:9501 failed: the server's"
                + " certificate is not trusted (give its CA with sslCafile, or check the endpoint): unable to find valid certification path to requested target");
        assertThat(TlsFailures.onClient(new SSLHandshakeException("No subject alternative DNS name matching tether.example.com found."),
                "tether.example.com", 9501)).contains("the server's certificate is not for 'tether.example.com' (connect by a name in it, or set sslHostName)");
        assertThat(TlsFailures.onClient(new SSLHandshakeException("Received fatal alert: certificate_required"), "h", 1))
                .contains("the server refused this client's certificate or its lack of one");
        assertThat(TlsFailures.onClient(new NotSslRecordException("not an SSL/TLS record: 0a"), "h", 1))
                .contains("the server did not answer in TLS");
    }

    @Test
    void receivedTextIsEscapedAndCut() {
        String detail = TlsFailures.onServer(new SSLHandshakeException("bad\nline" + "x".repeat(1000)));
        assertThat(detail).doesNotContain("\n").hasSizeLessThan(400);
    }
}
