package io.tether.client.internal;

import java.net.InetSocketAddress;
import java.util.Objects;

/** {@code HOST:PORT} as people write it, checked with a message that says what is wrong. */
public final class Endpoints {
    private Endpoints() {
    }

    /** {@code 127.0.0.1:9501}, {@code [::1]:9501}; unresolved (the host is resolved at each connect). */
    public static InetSocketAddress parse(String hostPort) {
        Objects.requireNonNull(hostPort, "endpoint");
        String s = hostPort.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("endpoint \"" + hostPort + "\" is not HOST:PORT (for example 127.0.0.1:9501)");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint \"" + hostPort + "\": port \"" + s.substring(colon + 1) + "\" is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint \"" + hostPort + "\": port " + port + " is not in 1..65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
