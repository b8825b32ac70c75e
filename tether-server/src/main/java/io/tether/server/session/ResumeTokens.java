package io.tether.server.session;

import java.security.SecureRandom;
import java.util.Base64;

/** Resume tokens: 128 random bits from SecureRandom, unguessable, single use (rotated on each resume). */
final class ResumeTokens {
    static final int LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResumeTokens() {
    }

    static byte[] next() {
        byte[] t = new byte[LENGTH];
        RANDOM.nextBytes(t);
        return t;
    }

    /** The map key for a token; null for a token of the wrong length (never issued). */
    static String key(byte[] token) {
        return token.length == LENGTH ? Base64.getEncoder().encodeToString(token) : null;
    }
}
