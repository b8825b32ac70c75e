package io.tether.server;

import io.tether.core.config.ConfigException;
import io.tether.core.tls.PemFiles;
import io.tether.core.tls.TlsEngines;
import io.tether.core.transport.TlsEngine;
import java.nio.file.Path;

/**
 * The TLS keys fit together and their files are what they claim: a wrong one refuses to start,
 * naming the key, the file and the fault (docs/TLS.md), not the first client's handshake.
 */
final class TlsKeys {

    private TlsKeys() {
    }

    /** Throws a {@link ConfigException} naming the key, the file and the fault. */
    static void check(Path sslCertFile, Path sslKeyFile, boolean sslVerifyPeer, Path sslClientCertFile, TlsEngine sslEngine) {
        if (sslCertFile == null) {
            if (sslKeyFile != null || sslClientCertFile != null) {
                throw new ConfigException((sslKeyFile != null ? "ssl_key_file" : "ssl_client_cert_file")
                        + " is set but ssl_cert_file is not: TLS needs the server's certificate too");
            }
            if (sslVerifyPeer) {
                throw new ConfigException("ssl_verify_peer is on but ssl_cert_file is not set: client certificates are checked during"
                        + " a TLS handshake, and TLS needs the server's certificate (ssl_cert_file, ssl_key_file)");
            }
            return;
        }
        if (sslKeyFile == null) {
            throw new ConfigException("ssl_cert_file is set but ssl_key_file is not: TLS needs the certificate's private key");
        }
        if (sslClientCertFile != null && !sslVerifyPeer) {
            throw new ConfigException("ssl_client_cert_file is set but ssl_verify_peer is off: turn ssl_verify_peer on to"
                    + " require client certificates, or drop ssl_client_cert_file");
        }
        PemFiles.identity("ssl_cert_file", sslCertFile, "ssl_key_file", sslKeyFile);
        if (sslClientCertFile != null) {
            PemFiles.certificates("ssl_client_cert_file", sslClientCertFile);
        }
        TlsEngines.provider("ssl_engine", sslEngine);
    }
}
