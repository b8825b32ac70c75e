package io.tether.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses configuration values as they come from YAML or the command line. Every error names the
 * key and says what is allowed, because the person reading it is fixing a config file.
 */
public final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg])?b?");

    private Values() {
    }

    /** A duration: a bare number is seconds (Swoole's unit); {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
    public static Duration duration(String key, Object raw) {
        String text = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new ConfigException(key + ": '" + raw + "' is not a duration; use a number of seconds (5, 1.5) or 500ms, 5s, 2m, 1h");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanosPerUnit = switch (unit) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        return Duration.ofNanos(Math.round(amount * nanosPerUnit));
    }

    /** Like {@link #duration} but also checks {@code min <= value <= max}. */
    public static Duration duration(String key, Object raw, Duration min, Duration max) {
        Duration d = duration(key, raw);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(key + ": " + raw + " is out of range; allowed " + format(min) + " to " + format(max));
        }
        return d;
    }

    /** A byte count: {@code 1024}, {@code 64K}, {@code 2M}, {@code 1G}. */
    public static long size(String key, Object raw, long min, long max) {
        String text = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new ConfigException(key + ": '" + raw + "' is not a size; use bytes (1024) or 64K, 2M, 1G");
        }
        long n = Long.parseLong(m.group(1));
        if (m.group(2) != null) {
            n <<= switch (m.group(2)) {
                case "k" -> 10;
                case "m" -> 20;
                default -> 30;
            };
        }
        if (n < min || n > max) {
            throw new ConfigException(key + ": " + raw + " is out of range; allowed " + min + " to " + max + " bytes");
        }
        return n;
    }

    public static int integer(String key, Object raw, int min, int max) {
        long n;
        try {
            n = raw instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(raw).trim());
            if (raw instanceof Double d && d != Math.floor(d)) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new ConfigException(key + ": '" + raw + "' is not a whole number; allowed " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw new ConfigException(key + ": " + raw + " is out of range; allowed " + min + " to " + max);
        }
        return (int) n;
    }

    /** Swoole writes booleans as 1/0; YAML as true/false. Both are accepted. */
    public static boolean bool(String key, Object raw) {
        String text = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new ConfigException(key + ": '" + raw + "' is not a boolean; use true/false (or 1/0)");
        };
    }

    public static String text(String key, Object raw) {
        if (raw == null || raw instanceof java.util.Map || raw instanceof java.util.Collection) {
            throw new ConfigException(key + ": expected a single text value, got " + raw);
        }
        return String.valueOf(raw).trim();
    }

    /** One of the given words, case-insensitive; returned lower-case. */
    public static String oneOf(String key, Object raw, String... allowed) {
        String text = text(key, raw).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(text)) {
                return a;
            }
        }
        throw new ConfigException(key + ": '" + raw + "' is not allowed; use one of " + String.join(", ", allowed));
    }

    /** 1500 ms -> "1.5s", 0 -> "0". */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 1000 != 0) {
            return ms < 1000 ? ms + "ms" : (ms / 1000.0) + "s";
        }
        return (ms / 1000) + "s";
    }
}
