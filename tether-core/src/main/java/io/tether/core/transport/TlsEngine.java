package io.tether.core.transport;

import java.util.Locale;

/**
 * Which TLS implementation encrypts a connection: key {@code ssl_engine} on the server,
 * {@code sslEngine} on the client. docs/TLS.md has the measurements behind the default.
 */
public enum TlsEngine {
    /** OpenSSL (BoringSSL from netty-tcnative) when it loads on this machine, else the JDK's. */
    AUTO,
    /** The JDK's own engine (SunJSSE): no native code, slower handshakes, more heap per connection. */
    JDK,
    /** BoringSSL through netty-tcnative; refused at startup when it does not load here. */
    OPENSSL;

    /** The config spelling: {@code auto}, {@code jdk}, {@code openssl}. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
