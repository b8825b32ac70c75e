package io.tether.lab;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one-line JSON the lab's child processes print: flat objects of strings, numbers and
 * booleans. Small on purpose, so the lab needs no JSON library on the class path.
 */
public final class Json {
    private Json() {
    }

    /** Writes a flat object; values are strings, numbers or booleans. */
    public static String object(Object... keyValues) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(keyValues[i]).append("\":");
            Object v = keyValues[i + 1];
            if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                sb.append('"').append(escape(String.valueOf(v))).append('"');
            }
        }
        return sb.append('}').toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Parses a flat object written by {@link #object}; returns null for any other line. */
    public static Map<String, String> parse(String line) {
        String s = line.trim();
        if (!s.startsWith("{") || !s.endsWith("}")) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        int i = 1;
        int n = s.length() - 1;
        while (i < n) {
            if (s.charAt(i) == ',' || s.charAt(i) == ' ') {
                i++;
                continue;
            }
            if (s.charAt(i) != '"') {
                return null;
            }
            int ke = s.indexOf('"', i + 1);
            String key = s.substring(i + 1, ke);
            i = ke + 2; // past the closing quote and the colon
            if (s.charAt(i) == '"') {
                StringBuilder v = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\') {
                        i++;
                    }
                    v.append(s.charAt(i++));
                }
                i++;
                out.put(key, v.toString());
            } else {
                int e = i;
                while (e < n && s.charAt(e) != ',') {
                    e++;
                }
                out.put(key, s.substring(i, e).trim());
                i = e;
            }
        }
        return out;
    }
}
