package io.tether.health;

import io.tether.core.config.Values;
import java.util.Locale;

/**
 * How a backend connection survives the backend's own idle limit (Redis {@code timeout}, MySQL and
 * MariaDB {@code wait_timeout}): the two remedies of the seed article.
 */
public enum KeepAliveMode {
    /** Send a cheap command below the backend's idle limit so the connection never goes stale (recommended). */
    HEARTBEAT("heartbeat"),
    /** Send nothing while idle; validate before use and reconnect if the backend closed the connection. */
    RECONNECT_ON_USE("reconnect");

    private final String configName;

    KeepAliveMode(String configName) {
        this.configName = configName;
    }

    /** The word used in config files: {@code heartbeat} or {@code reconnect}. */
    public String configName() {
        return configName;
    }

    /** Parses a config value; the error names the key and the allowed words. */
    public static KeepAliveMode parse(String key, Object raw) {
        String word = Values.oneOf(key, raw, HEARTBEAT.configName, RECONNECT_ON_USE.configName);
        return word.equals(HEARTBEAT.configName) ? HEARTBEAT : RECONNECT_ON_USE;
    }

    @Override
    public String toString() {
        return configName.toLowerCase(Locale.ROOT);
    }
}
