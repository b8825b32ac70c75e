package io.tether.server.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resume tokens: 128 random bits from SecureRandom, unguessable, single use (rotated on each
 * resume), and the live ones of a server with the session each resumes. A session registers and
 * revokes its own token under its lock, so an end cannot leave one behind.
 */
final class ResumeTokens {
    static final int LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SessionImpl> live = new ConcurrentHashMap<>();

    static byte[] next() {
        byte[] t = new byte[LENGTH];
        RANDOM.nextBytes(t);
        return t;
    }

    /** The map key for a token; null for a token of the wrong length (never issued). */
    static String key(byte[] token) {
        return token.length == LENGTH ? Base64.getEncoder().encodeToString(token) : null;
    }

    /** Makes {@code key} resume {@code s} (a new token, or one put back after a refused resume). */
    void put(String key, SessionImpl s) {
        live.put(key, s);
    }

    /**
     * Takes the token out and returns its session, or null. Claiming removes it: of two connections
     * racing with one token, one wins.
     */
    SessionImpl claim(String key) {
        return key == null ? null : live.remove(key);
    }

    /** Drops {@code key} if it still resumes {@code s}. */
    void revoke(String key, SessionImpl s) {
        live.remove(key, s);
    }
}
