package io.tether.metrics;

import io.tether.core.config.ConfigException;
import io.tether.core.config.Values;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the admin endpoint listens and the token it asks for: the {@code admin_port},
 * {@code admin_host} and {@code admin_token} keys. Port 0 (or no key) turns the endpoint off. Bound
 * anywhere but a loopback address, it requires a token: without one the server refuses to start.
 *
 * @param host address to bind; a loopback address by default
 * @param port TCP port; 0 is off, {@link #ANY_PORT} (Java only) picks a free one
 * @param token bearer token every request but the page itself must carry, or null for none
 */
public record AdminConfig(String host, int port, String token) {
    /** A port the system picks (tests); not allowed in config keys, where 0 means off. */
    public static final int ANY_PORT = -1;
    /** A token shorter than this is refused: it guards closing any client's connection. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** The endpoint off. */
    public static final AdminConfig OFF = new AdminConfig("127.0.0.1", 0, null);

    private static final String PORT = "admin_port";
    private static final String HOST = "admin_host";
    private static final String TOKEN = "admin_token";

    /** Every key with its meaning, in the order docs list them (for generated config docs). */
    public static final Map<String, String> KEY_DOCS = docs(
            PORT, "Port of the admin endpoint: Prometheus metrics at `/metrics`, the admin page at `/`, JSON under `/api/`. "
                    + "Default 0: off.",
            HOST, "Address the admin endpoint binds. Default 127.0.0.1; any other than a loopback address needs admin_token.",
            TOKEN, "Bearer token for every request but the page itself (`Authorization: Bearer TOKEN`); at least "
                    + MIN_TOKEN_LENGTH + " characters, e.g. from `openssl rand -hex 16`. Required when admin_host is not "
                    + "loopback. Default: the environment variable TETHER_ADMIN_TOKEN, else none.");

    /** Checks the values; see {@link #fromConfig} for the rules. */
    public AdminConfig {
        if (host == null || host.isBlank()) {
            throw new ConfigException(HOST + ": is empty; use an address such as 127.0.0.1");
        }
        if (port < ANY_PORT || port > 65535) {
            throw new ConfigException(PORT + ": " + port + " is not a port; use 1 to 65535, or 0 for off");
        }
        if (token != null && token.isEmpty()) {
            token = null;
        }
        if (token != null && token.length() < MIN_TOKEN_LENGTH) {
            throw new ConfigException(TOKEN + ": too short (" + token.length() + " characters); use at least "
                    + MIN_TOKEN_LENGTH + ", e.g. openssl rand -hex 16");
        }
        if (port != 0 && token == null && !loopback(host)) {
            throw new ConfigException(TOKEN + ": required when the admin endpoint listens on " + host
                    + ", which is not a loopback address; set admin_token (or TETHER_ADMIN_TOKEN), or admin_host 127.0.0.1");
        }
    }

    private static Map<String, String> docs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(HOST + ": '" + host + "' is not a known address");
        }
    }

    /**
     * The endpoint the {@code admin_*} keys declare; {@link #OFF} without {@code admin_port}.
     * {@code admin_token} falls back to the environment variable {@code TETHER_ADMIN_TOKEN}, which
     * keeps it out of the process list.
     *
     * @param keys flat keys, all starting with {@code admin_}
     * @throws ConfigException on an unknown key, a bad value, a short token, or a non-loopback host without a token
     */
    public static AdminConfig fromConfig(Map<String, ?> keys) {
        return fromConfig(keys, System.getenv("TETHER_ADMIN_TOKEN"));
    }

    static AdminConfig fromConfig(Map<String, ?> keys, String envToken) {
        for (Map.Entry<String, ?> e : keys.entrySet()) {
            if (!KEY_DOCS.containsKey(e.getKey())) {
                throw new ConfigException("unknown key '" + e.getKey() + "'; the admin endpoint's keys are "
                        + String.join(", ", KEY_DOCS.keySet()));
            }
            if (e.getValue() == null) {
                throw new ConfigException(e.getKey() + ": has no value");
            }
        }
        int port = keys.containsKey(PORT) ? Values.integer(PORT, keys.get(PORT), 0, 65535) : 0;
        String host = keys.containsKey(HOST) ? Values.text(HOST, keys.get(HOST)) : "127.0.0.1";
        String token = keys.containsKey(TOKEN) ? Values.text(TOKEN, keys.get(TOKEN)) : envToken;
        return new AdminConfig(host, port, token);
    }

    /** True when the endpoint is to run. */
    public boolean enabled() {
        return port != 0;
    }

    @Override
    public String toString() {
        // Never the token itself.
        return "AdminConfig[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "set") + "]";
    }
}
