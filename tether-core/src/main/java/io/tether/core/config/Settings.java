package io.tether.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The set of keys a config accepts. Applies a flat key/value map to a builder, refusing unknown
 * keys with a suggestion, and reads YAML files (nested maps become dotted keys, so
 * {@code health: {redis: {uri: ...}}} and {@code health.redis.uri: ...} are the same).
 *
 * @param <B> the builder the values are applied to
 */
public final class Settings<B> {
    private final Map<String, Setting<B>> byKey = new LinkedHashMap<>();

    @SafeVarargs
    public Settings(Setting<B>... settings) {
        for (Setting<B> s : settings) {
            if (byKey.put(s.key(), s) != null) {
                throw new IllegalArgumentException("duplicate key " + s.key());
            }
        }
    }

    public List<Setting<B>> all() {
        return Collections.unmodifiableList(new ArrayList<>(byKey.values()));
    }

    public boolean has(String key) {
        return byKey.containsKey(key);
    }

    /** Applies every entry; the first wrong key or value throws, naming it. */
    public void apply(Map<String, ?> values, B builder) {
        for (Map.Entry<String, ?> e : values.entrySet()) {
            Setting<B> s = byKey.get(e.getKey());
            if (s == null) {
                throw unknown(e.getKey());
            }
            if (e.getValue() == null) {
                throw new ConfigException(e.getKey() + ": has no value");
            }
            s.apply(builder, e.getValue());
        }
    }

    private ConfigException unknown(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : byKey.keySet()) {
            int d = k.startsWith(key) || key.startsWith(k) ? 1 : distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        String hint = best != null && bestDistance <= Math.max(3, key.length() / 3) ? " (did you mean " + best + "?)" : "";
        return new ConfigException("unknown key '" + key + "'" + hint + "; known keys: " + String.join(", ", byKey.keySet()));
    }

    /** Reads a YAML mapping into a flat, ordered key/value map. */
    public static Map<String, Object> readYaml(Path file) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        Object root;
        if (Files.isDirectory(file)) {
            throw new ConfigException("config file " + file + " is a directory");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = yaml.load(r);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " not found", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException("cannot read config file " + file + ": permission denied", e);
        } catch (IOException e) {
            // Files' own exceptions carry only the path as their message; say what went wrong.
            String why = e.getMessage() == null || e.getMessage().equals(file.toString()) ? e.getClass().getSimpleName() : e.getMessage();
            throw new ConfigException("cannot read config file " + file + ": " + why, e);
        } catch (YAMLException e) {
            throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        if (root == null) {
            return flat;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException("config file " + file + " must be a mapping of keys to values, not " + root.getClass().getSimpleName());
        }
        flatten("", map, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
