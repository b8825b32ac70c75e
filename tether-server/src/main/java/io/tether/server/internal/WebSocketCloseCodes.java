package io.tether.server.internal;

import io.tether.core.close.CloseReason;
import java.nio.charset.StandardCharsets;

/**
 * Tether's close codes on WebSocket (docs/PROTOCOL.md, "WebSocket close codes"): Tether code
 * {@code 1000 + n} is WebSocket code {@code 4000 + n} (the range RFC 6455 leaves to applications),
 * so nothing is lost either way; WebSocket's own codes (1000-1015) keep their meaning.
 */
final class WebSocketCloseCodes {
    /** A close frame's payload is at most 125 bytes: 2 for the code, 123 for the reason. */
    static final int MAX_REASON_BYTES = 123;

    private WebSocketCloseCodes() {
    }

    /** The WebSocket code for a Tether close code. */
    static int toWebSocket(int tetherCode) {
        return tetherCode >= 1000 && tetherCode <= 1999 ? tetherCode + 3000 : 4099;
    }

    /** The Tether close code a WebSocket code in 4000-4999 stands for, else 0. */
    static int toTether(int webSocketCode) {
        return webSocketCode >= 4000 && webSocketCode <= 4999 ? webSocketCode - 3000 : 0;
    }

    /** {@code code}, and what it means when Tether or RFC 6455 names it, for a close detail. */
    static String describe(int code) {
        int tether = toTether(code);
        CloseReason r = tether > 0 ? CloseReason.fromCode(tether) : null;
        String name = r != null && r.code() == tether ? r.text() : switch (code) {
            case 1000 -> "normal closure";
            case 1001 -> "going away";
            case 1002 -> "protocol error";
            case 1003 -> "unsupported data";
            case 1007 -> "invalid payload";
            case 1008 -> "policy violation";
            case 1009 -> "message too big";
            case 1011 -> "internal error";
            default -> null;
        };
        return name == null ? String.valueOf(code) : code + " (" + name + ")";
    }

    /** {@code reason} cut to what a close frame holds, on a character boundary. */
    static String reasonText(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        int end = MAX_REASON_BYTES - 3; // room for "..."
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // not inside a character
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8) + "...";
    }
}
