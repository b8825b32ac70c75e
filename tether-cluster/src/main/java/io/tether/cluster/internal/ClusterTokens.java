package io.tether.cluster.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resume tokens of a cluster: 16 bytes, the first 4 the cluster's epoch (random, kept in Redis
 * with the nodes' TTL, made anew when Redis lost its data), the other 12 from a SecureRandom. A
 * token is stored in Redis only as its SHA-256, so reading Redis resumes nothing. A node that saw
 * the epoch change knows a token of the old one: its session was lost with Redis's data (1106).
 */
final class ClusterTokens {
    static final int EPOCH_BYTES = 4;
    private static final SecureRandom RANDOM = new SecureRandom();
    private volatile byte[] epoch = new byte[EPOCH_BYTES];
    private final Set<String> pastEpochs = ConcurrentHashMap.newKeySet();

    /** Reads (or makes) the epoch in Redis: at join and whenever the node registers again. */
    void load(RedisLink link, Keys keys, long ttlMs) {
        byte[] fresh = new byte[EPOCH_BYTES];
        RANDOM.nextBytes(fresh);
        link.sync().set(keys.epoch(), fresh, io.lettuce.core.SetArgs.Builder.nx().px(ttlMs));
        byte[] now = link.sync().get(keys.epoch());
        byte[] before = epoch;
        epoch = now != null && now.length == EPOCH_BYTES ? now : fresh;
        if (!Arrays.equals(before, epoch) && !Arrays.equals(before, new byte[EPOCH_BYTES])) {
            pastEpochs.add(HexFormat.of().formatHex(before));
        }
    }

    byte[] next() {
        byte[] t = new byte[16];
        RANDOM.nextBytes(t);
        System.arraycopy(epoch, 0, t, 0, EPOCH_BYTES);
        return t;
    }

    /** True when {@code token} was made before Redis lost its data (as far as this node saw). */
    boolean ofPastEpoch(byte[] token) {
        return pastEpochs.contains(HexFormat.of().formatHex(token, 0, EPOCH_BYTES));
    }

    /** The key of a token in Redis: its SHA-256 (the first 16 bytes, hex). */
    static String hash(byte[] token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
