package io.tether.cluster.internal;

import java.nio.charset.StandardCharsets;

/**
 * Key names (docs/CLUSTER.md, "Data model"). Every key starts with {@code {prefix}:}, so in a
 * Redis Cluster all of them share one hash slot and a script may touch any of them atomically.
 */
final class Keys {
    private final String prefix;
    private final byte[] prefixBytes;

    Keys(String tag) {
        this.prefix = "{" + tag + "}:";
        this.prefixBytes = prefix.getBytes(StandardCharsets.UTF_8);
    }

    byte[] prefixBytes() {
        return prefixBytes;
    }

    /** ZSET: live node id -> lease deadline (ms, Redis clock). */
    String nodes() {
        return prefix + "nodes";
    }

    /** STREAM: the presence events of the whole cluster. */
    String events() {
        return prefix + "events";
    }

    /** HASH: a kept session (docs/CLUSTER.md, "Data model"). */
    String kept(String gid) {
        return prefix + "r:" + gid;
    }

    /** STREAM: a kept session's unacknowledged messages, ids {@code <seq>-0}. */
    String messages(String gid) {
        return prefix + "m:" + gid;
    }

    /** STREAM: a node's inbox of routed messages (trimmed to about 10,000). */
    String inbox(String node) {
        return prefix + "to:" + node;
    }
}
