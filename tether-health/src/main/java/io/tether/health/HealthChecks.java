package io.tether.health;

import io.lettuce.core.RedisURI;
import io.tether.core.config.ConfigException;
import io.tether.core.config.Values;
import io.tether.server.health.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Builds health checks from the {@code health.*} keys of a server's config:
 *
 * <pre>
 * health.redis.uri: redis://127.0.0.1:6379       # Redis, PING on a kept-alive Lettuce connection
 * health.redis.name: redis                       # optional, name shown in "pong unhealthy NAME"
 * health.redis.keepalive: heartbeat              # optional: heartbeat (default) | reconnect
 * health.jdbc.url: jdbc:mariadb://127.0.0.1:3306/app
 * health.jdbc.user: app                          # optional
 * health.jdbc.password: secret                   # optional
 * health.jdbc.name: mariadb                      # optional, defaults to the URL's scheme
 * health.jdbc.keepalive: heartbeat               # optional: heartbeat (default) | reconnect
 * health.tcp.NAME: host:port                     # a TCP dependency, e.g. health.tcp.search: 127.0.0.1:9200
 * health.tether.NAME: host:port                  # another Tether server, pinged
 * </pre>
 *
 * Every key is checked before anything connects; a wrong one throws {@link ConfigException}
 * naming it and what is allowed.
 */
public final class HealthChecks {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** Borrow timeout of the health pool; the server's default health_check_timeout. */
    private static final Duration SQL_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    private static final int SQL_POOL_SIZE = 2;

    private static final String REDIS = "health.redis.";
    private static final String JDBC = "health.jdbc.";
    private static final String TCP = "health.tcp.";
    private static final String TETHER = "health.tether.";
    private static final List<String> REDIS_KEYS = List.of("uri", "name", "keepalive");
    private static final List<String> JDBC_KEYS = List.of("url", "user", "password", "name", "keepalive");

    /** Every key with its default and meaning, in the order docs list them (for generated config docs). */
    public static final Map<String, String> KEY_DOCS = docs(
            "health.redis.uri", "Redis to check with PING, e.g. redis://127.0.0.1:6379 (redis://[password@]host:port[/db], rediss:// for TLS). Required for a Redis check.",
            "health.redis.name", "Name shown in `pong unhealthy NAME`. Default `redis`.",
            "health.redis.keepalive", "`heartbeat` (default): PING below Redis's `timeout`, read with CONFIG GET; `reconnect`: validate before use and reconnect.",
            "health.jdbc.url", "Database to check with Connection.isValid, e.g. jdbc:mariadb://127.0.0.1:3306/app. Required for a SQL check.",
            "health.jdbc.user", "Database user. Default none.",
            "health.jdbc.password", "Database password. Default none.",
            "health.jdbc.name", "Name shown in `pong unhealthy NAME`. Default: the URL's scheme (`mariadb`, `mysql`).",
            "health.jdbc.keepalive", "`heartbeat` (default): keep idle pool connections alive below `@@wait_timeout`; `reconnect`: HikariCP validates on borrow and reconnects.",
            "health.tcp.<name>", "host:port of a TCP dependency; healthy when a connect succeeds within health_check_timeout.",
            "health.tether.<name>", "host:port of another Tether server; healthy when it answers `ping` with a plain `pong`.");

    private HealthChecks() {
    }

    private static Map<String, String> docs(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The checks the {@code health.*} keys declare, in a stable order (redis, jdbc, tcp, tether).
     * Checks that hold connections ({@link RedisHealthCheck}, {@link JdbcHealthCheck}) are
     * {@link AutoCloseable}; the caller closes them when the server stops.
     *
     * @param keys flat keys, all starting with {@code health.}
     * @throws ConfigException on an unknown key, a missing required key or a bad value
     */
    public static List<HealthCheck> fromConfig(Map<String, ?> keys) {
        Map<String, Object> redis = new LinkedHashMap<>();
        Map<String, Object> jdbc = new LinkedHashMap<>();
        Map<String, String> names = new LinkedHashMap<>(); // check name -> key that declared it
        List<Supplier<HealthCheck>> builders = new ArrayList<>();
        List<Supplier<HealthCheck>> plain = new ArrayList<>();

        for (Map.Entry<String, ?> e : keys.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (value == null) {
                throw new ConfigException(key + ": has no value");
            }
            if (key.startsWith(REDIS)) {
                redis.put(known(key, REDIS, REDIS_KEYS), value);
            } else if (key.startsWith(JDBC)) {
                jdbc.put(known(key, JDBC, JDBC_KEYS), value);
            } else if (key.startsWith(TCP) || key.startsWith(TETHER)) {
                boolean tcp = key.startsWith(TCP);
                String name = checkName(key, key.substring((tcp ? TCP : TETHER).length()));
                HostPort target = HostPort.parse(key, Values.text(key, value));
                claim(names, name, key);
                plain.add(tcp ? () -> new TcpHealthCheck(name, target) : () -> new TetherHealthCheck(name, target));
            } else {
                throw new ConfigException("unknown key '" + key + "'; health checks are declared with "
                        + String.join(", ", KEY_DOCS.keySet()));
            }
        }
        if (!redis.isEmpty()) {
            builders.add(redis(redis, names));
        }
        if (!jdbc.isEmpty()) {
            builders.add(jdbc(jdbc, names));
        }
        builders.addAll(plain);
        return build(builders);
    }

    private static Supplier<HealthCheck> redis(Map<String, Object> v, Map<String, String> names) {
        Object rawUri = v.get("uri");
        if (rawUri == null) {
            throw new ConfigException(REDIS + "uri: is required when other health.redis.* keys are set; e.g. redis://127.0.0.1:6379");
        }
        String text = Values.text(REDIS + "uri", rawUri);
        RedisURI uri;
        try {
            uri = RedisURI.create(text);
        } catch (RuntimeException e) {
            throw new ConfigException(REDIS + "uri: '" + text + "' is not a Redis URI (" + e.getMessage()
                    + "); use redis://[password@]host:port[/db] or rediss:// for TLS");
        }
        String name = v.containsKey("name") ? checkName(REDIS + "name", Values.text(REDIS + "name", v.get("name"))) : "redis";
        KeepAliveMode mode = v.containsKey("keepalive") ? KeepAliveMode.parse(REDIS + "keepalive", v.get("keepalive")) : KeepAliveMode.HEARTBEAT;
        claim(names, name, REDIS + "uri");
        return () -> new RedisHealthCheck(name, RedisBackend.start(name, uri, mode));
    }

    private static Supplier<HealthCheck> jdbc(Map<String, Object> v, Map<String, String> names) {
        Object rawUrl = v.get("url");
        if (rawUrl == null) {
            throw new ConfigException(JDBC + "url: is required when other health.jdbc.* keys are set; e.g. jdbc:mariadb://127.0.0.1:3306/app");
        }
        String url = Values.text(JDBC + "url", rawUrl);
        if (!url.startsWith("jdbc:") || url.indexOf(':', 5) < 0) {
            throw new ConfigException(JDBC + "url: '" + url + "' is not a JDBC URL; use e.g. jdbc:mariadb://127.0.0.1:3306/app");
        }
        String scheme = url.substring(5, url.indexOf(':', 5)).toLowerCase(Locale.ROOT);
        String user = v.containsKey("user") ? Values.text(JDBC + "user", v.get("user")) : null;
        String password = v.containsKey("password") ? String.valueOf(v.get("password")) : null;
        String name = v.containsKey("name") ? checkName(JDBC + "name", Values.text(JDBC + "name", v.get("name"))) : checkName(JDBC + "url", scheme);
        KeepAliveMode mode = v.containsKey("keepalive") ? KeepAliveMode.parse(JDBC + "keepalive", v.get("keepalive")) : KeepAliveMode.HEARTBEAT;
        claim(names, name, JDBC + "url");
        return () -> new JdbcHealthCheck(name,
                SqlBackend.start(name, url, user, password, mode, SQL_POOL_SIZE, SQL_CONNECTION_TIMEOUT));
    }

    private static String known(String key, String prefix, List<String> allowed) {
        String sub = key.substring(prefix.length());
        if (!allowed.contains(sub)) {
            throw new ConfigException("unknown key '" + key + "'; allowed under " + prefix.substring(0, prefix.length() - 1)
                    + ": " + prefix + String.join(", " + prefix, allowed));
        }
        return sub;
    }

    private static String checkName(String key, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(key + ": '" + name + "' is not a usable check name; use 1 to 64 letters, digits, '_', '-' or '.'");
        }
        return name;
    }

    private static void claim(Map<String, String> names, String name, String key) {
        String previous = names.putIfAbsent(name, key);
        if (previous != null) {
            throw new ConfigException(key + ": check name '" + name + "' is already used by " + previous
                    + "; names must be unique (set health.redis.name / health.jdbc.name or rename the key)");
        }
    }

    /** Builds every check; if one fails to build, closes those already built, so nothing leaks. */
    private static List<HealthCheck> build(List<Supplier<HealthCheck>> builders) {
        List<HealthCheck> built = new ArrayList<>();
        try {
            for (Supplier<HealthCheck> b : builders) {
                built.add(b.get());
            }
            return List.copyOf(built);
        } catch (RuntimeException e) {
            closeAll(built).ifPresent(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Closes every check that holds resources (call it after the server has stopped). Closes all
     * of them even if some fail; returns the first failure, with the others suppressed in it.
     */
    public static java.util.Optional<Exception> closeAll(List<? extends HealthCheck> checks) {
        Exception first = null;
        for (HealthCheck c : checks) {
            if (c instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
        }
        return java.util.Optional.ofNullable(first);
    }
}
