package io.tether.server.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resume tokens: 128 random bits from SecureRandom, unguessable, single use (rotated on each
 * resume), and the live ones of a server with the session each resumes. A session registers and
 * revokes its own token under its lock, so an end cannot leave one behind.
 *
 * <p>The tokens of ended sessions are remembered for a while with why they ended, so a late
 * resume hears that its session cannot be recovered (CLOSE 1106) rather than that its token is
 * unknown (1104): at most {@link #MAX_ENDED} of them, each for 10 resume windows (1 minute to 1 hour).
 */
final class ResumeTokens {
    static final int LENGTH = 16;
    static final int MAX_ENDED = 65_536;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SessionImpl> live = new ConcurrentHashMap<>();
    private final long endedNanos;
    /** Token key -> why its session ended and when (nanoTime), oldest first; guarded by itself. */
    private final LinkedHashMap<String, Ended> ended = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Ended> e) {
            return size() > MAX_ENDED;
        }
    };

    private record Ended(String why, long at) {
    }

    ResumeTokens(long windowNanos) {
        this.endedNanos = Math.max(60_000_000_000L, Math.min(3_600_000_000_000L, 10 * windowNanos));
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

    /** {@code key}'s session ended ({@code why}): a resume with it hears so for a while. */
    void ended(String key, String why) {
        synchronized (ended) {
            ended.put(key, new Ended(why, System.nanoTime()));
        }
    }

    /** Why the session of {@code key} ended, if it did lately; else null. */
    String whyEnded(String key) {
        if (key == null) {
            return null;
        }
        synchronized (ended) {
            Ended e = ended.get(key);
            if (e != null && System.nanoTime() - e.at() > endedNanos) {
                ended.remove(key);
                return null;
            }
            return e == null ? null : e.why();
        }
    }
}
