package io.tether.server.internal;

/**
 * A token bucket on the server's ticker: holds up to {@code burst} tokens, refilled at
 * {@code perSecond}; each admission takes one. Not thread safe: its owner locks it (or updates it
 * inside a ConcurrentHashMap compute).
 */
class TokenBucket {
    private double tokens;
    private long stampNanos;

    TokenBucket(int burst, long now) {
        this.tokens = burst;
        this.stampNanos = now;
    }

    /** Takes a token if one is there at {@code now}. */
    final boolean tryTake(int perSecond, int burst, long now) {
        refill(perSecond, burst, now);
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    /** True when the bucket is full again at {@code now}: forgetting it changes nothing. */
    final boolean full(int perSecond, int burst, long now) {
        refill(perSecond, burst, now);
        return tokens >= burst;
    }

    private void refill(int perSecond, int burst, long now) {
        long elapsed = now - stampNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * 1e-9 * perSecond);
            stampNanos = now;
        }
    }
}
