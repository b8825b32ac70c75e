package io.tether.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.tether.core.config.ConfigException;
import io.tether.core.transport.TlsEngine;

/** Turns a configured {@link TlsEngine} into the Netty provider that runs it, and names it for logs. */
public final class TlsEngines {
    private TlsEngines() {
    }

    /**
     * The provider for {@code wanted}: {@code auto} is OpenSSL when netty-tcnative loads, else the
     * JDK's; {@code openssl} that does not load is refused, naming {@code key} and why it did not load.
     */
    public static SslProvider provider(String key, TlsEngine wanted) {
        switch (wanted) {
            case JDK:
                return SslProvider.JDK;
            case OPENSSL:
                if (!OpenSsl.isAvailable()) {
                    throw new ConfigException(key + ": openssl is not available here (" + OpenSsl.unavailabilityCause()
                            + "); use auto or jdk, or put netty-tcnative-boringssl-static for this platform on the class path");
                }
                return SslProvider.OPENSSL;
            default:
                return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        }
    }

    /** {@code openssl (BoringSSL)} or {@code jdk (Java 17.0.15)}, for the startup log. */
    public static String describe(SslProvider provider) {
        if (provider == SslProvider.JDK) {
            return "jdk (SunJSSE, Java " + System.getProperty("java.version") + ")";
        }
        return "openssl (" + OpenSsl.versionString() + ")";
    }

    /** Why {@code auto} chose the JDK's engine, or null when OpenSSL is available. */
    public static String whyNotOpenSsl() {
        return OpenSsl.isAvailable() ? null : String.valueOf(OpenSsl.unavailabilityCause());
    }
}
