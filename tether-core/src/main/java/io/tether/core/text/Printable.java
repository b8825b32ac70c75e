package io.tether.core.text;

import java.nio.charset.StandardCharsets;

/**
 * Text a peer sent, made safe for one log line. Received bytes are the attacker's: an escape
 * sequence ({@code \x1b[2J}) would clear the operator's terminal, an OSC sequence retitle it, and a
 * {@code \r} or {@code \n} start what looks like a log line of the server's own. So every control
 * character (C0, DEL, C1), every byte that is not valid UTF-8, the Unicode line and paragraph
 * separators and the bidirectional overrides are written as escapes ({@code \x1b}, {@code \r},
 * {@code \u2028}), a backslash as {@code \\}, and a text cut short says how long it was.
 *
 * <p>What comes out is printable ASCII plus printable non-ASCII characters, never a line break.
 */
public final class Printable {
    private Printable() {
    }

    /** The UTF-8 bytes {@code utf8}, at most {@code maxChars} characters of them, escaped. */
    public static String of(byte[] utf8, int maxChars) {
        StringBuilder out = new StringBuilder(Math.min(utf8.length, maxChars) + 8);
        int i = 0;
        int shown = 0;
        while (i < utf8.length && shown < maxChars) {
            int b = utf8[i] & 0xFF;
            int len = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            int cp = len == 0 ? -1 : decode(utf8, i, len);
            if (cp < 0) {
                hex(out, b); // not valid UTF-8 here: this byte alone, escaped
                i++;
            } else {
                append(out, cp);
                i += len;
            }
            shown++;
        }
        if (i < utf8.length) {
            out.append("... (").append(utf8.length).append(" bytes)");
        }
        return out.toString();
    }

    /** {@code text}, at most {@code maxChars} code points of it, escaped. */
    public static String of(CharSequence text, int maxChars) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 8);
        int i = 0;
        int shown = 0;
        while (i < text.length() && shown < maxChars) {
            int cp = Character.codePointAt(text, i);
            if (Character.isSurrogate((char) cp)) {
                out.append("\\u").append(String.format("%04x", cp)); // a lone surrogate
            } else {
                append(out, cp);
            }
            i += Character.charCount(cp);
            shown++;
        }
        if (i < text.length()) {
            out.append("... (").append(text.toString().getBytes(StandardCharsets.UTF_8).length).append(" bytes)");
        }
        return out.toString();
    }

    /** {@code text} whole, escaped (for short texts of known size: a client name, a close reason). */
    public static String of(CharSequence text) {
        return of(text, Integer.MAX_VALUE);
    }

    private static void append(StringBuilder out, int cp) {
        switch (cp) {
            case '\\' -> out.append("\\\\");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> {
                if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
                    hex(out, cp);
                } else if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)
                        || cp == 0x200E || cp == 0x200F || cp == 0x061C || cp == 0xFEFF) {
                    out.append("\\u").append(String.format("%04x", cp)); // line breaks and text-direction tricks
                } else {
                    out.appendCodePoint(cp);
                }
            }
        }
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xF, 16));
    }

    /** The code point of the {@code len}-byte UTF-8 sequence at {@code i}, or -1 if it is not a valid one. */
    private static int decode(byte[] b, int i, int len) {
        if (len == 1) {
            return b[i];
        }
        if (i + len > b.length) {
            return -1;
        }
        int cp = b[i] & (0xFF >> (len + 1));
        for (int k = 1; k < len; k++) {
            int c = b[i + k] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                return -1;
            }
            cp = cp << 6 | (c & 0x3F);
        }
        int min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1; // overlong, out of range, or a surrogate
        }
        return cp;
    }
}
