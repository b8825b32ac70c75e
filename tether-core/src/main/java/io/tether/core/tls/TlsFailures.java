package io.tether.core.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.tether.core.text.Printable;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Words for a failed TLS handshake. The engines report it in their own terms (the JDK's
 * "PKIX path building failed", BoringSSL's "SSLV3_ALERT_CERTIFICATE_UNKNOWN"); each side prefixes
 * what that means for whoever reads its log or exception, and keeps the engine's text after it.
 */
public final class TlsFailures {
    private TlsFailures() {
    }

    /** The server's close detail for a client whose handshake failed. */
    public static String onServer(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "TLS handshake failed: not a TLS client (its first bytes are not a TLS record)";
        }
        String m = message(cause);
        String l = m.toLowerCase(Locale.ROOT);
        String hint = "";
        if (l.contains("empty client certificate chain") || l.contains("peer_did_not_return_a_certificate")) {
            hint = "the client sent no certificate (ssl_verify_peer is on): ";
        } else if (isUntrustedAlert(l)) {
            hint = "the client does not trust the server's certificate (ssl_cert_file): ";
        } else if (isPathFailure(l)) {
            hint = "the client's certificate does not verify against ssl_client_cert_file: ";
        } else if (l.contains("alert_internal_error") || l.contains("alert: internal_error")) {
            hint = "the client gave up on the handshake (some clients, Netty's OpenSSL one among them, say internal_error"
                    + " when they do not trust the server's certificate): ";
        }
        return "TLS handshake failed: " + hint + m;
    }

    /** The client's words for a handshake with {@code host} (the name verified) at {@code port} that failed. */
    public static String onClient(Throwable cause, String host, int port) {
        String m = message(cause);
        String l = m.toLowerCase(Locale.ROOT);
        String hint;
        if (cause instanceof NotSslRecordException) {
            hint = "the server did not answer in TLS (is TLS on at the server, ssl_cert_file?): ";
        } else if (l.contains("no subject alternative") || l.contains("no name matching")) {
            hint = "the server's certificate is not for '" + host + "' (connect by a name in it, or set sslHostName): ";
        } else if (l.contains("certificateexpired") || l.contains("validity check failed") || l.contains("expired")) {
            hint = "the server's certificate is expired or not yet valid: ";
        } else if (isPathFailure(l)) {
            hint = "the server's certificate is not trusted (give its CA with sslCafile, or check the endpoint): ";
        } else if (l.contains("certificate_required") || isUntrustedAlert(l) || l.contains("handshake_failure")) {
            hint = "the server refused this client's certificate or its lack of one (sslCertFile, sslKeyFile): ";
        } else {
            hint = "";
        }
        return "TLS handshake with " + host + ":" + port + " failed: " + hint + m;
    }

    private static boolean isUntrustedAlert(String l) {
        return l.contains("certificate_unknown") || l.contains("bad_certificate") || l.contains("unknown_ca");
    }

    private static boolean isPathFailure(String l) {
        return l.contains("pkix") || l.contains("certificate_verify_failed") || l.contains("unable to find valid certification path");
    }

    /** The innermost TLS exception's message, escaped and cut for a log line. */
    private static String message(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t && (t.getCause() instanceof SSLException
                || t.getCause() instanceof java.security.GeneralSecurityException)) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // A certificate error's own message often omits what kind it is (CertificateExpiredException: "NotAfter: ...").
        if (t instanceof java.security.cert.CertificateExpiredException || t instanceof java.security.cert.CertificateNotYetValidException) {
            m = t.getClass().getSimpleName() + ": " + m;
        }
        return Printable.of(m, 300);
    }
}
