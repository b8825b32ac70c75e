package io.tether.health;

import io.tether.core.config.ConfigException;
import java.net.InetSocketAddress;

/** A {@code host:port} from config; the host stays unresolved until a check connects. */
public record HostPort(String host, int port) {

    /** Parses {@code host:port} or {@code [v6]:port}; the error names the key. */
    public static HostPort parse(String key, Object raw) {
        String text = raw == null ? "" : String.valueOf(raw).trim();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new ConfigException(key + ": '" + raw + "' is not host:port; use e.g. 127.0.0.1:6379");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": '" + raw + "' has no numeric port; use host:port with a port from 1 to 65535");
        }
        if (port < 1 || port > 65535 || host.isBlank()) {
            throw new ConfigException(key + ": '" + raw + "' is out of range; use host:port with a port from 1 to 65535");
        }
        return new HostPort(host, port);
    }

    /** Resolves the host now (at connect time, so DNS changes are picked up). */
    public InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
