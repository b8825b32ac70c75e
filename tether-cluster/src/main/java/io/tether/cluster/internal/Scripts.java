package io.tether.cluster.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The Lua scripts (resources next to this class, each with {@code common.lua} in front) and how
 * they are called: KEYS[1] is the live-node set, which routes the call to the one hash slot all of
 * a cluster's keys share; ARGV[1] is the key prefix. Sent as EVAL each time: Redis caches the
 * compiled script, and a send never waits on a NOSCRIPT retry that could reorder it.
 */
final class Scripts {
    static final Scripts UPSERT = new Scripts("upsert");
    static final Scripts OFFLINE = new Scripts("offline");
    static final Scripts REFRESH = new Scripts("refresh");
    static final Scripts CLAIM = new Scripts("claim");
    static final Scripts REGISTER = new Scripts("register");
    static final Scripts LEAVE = new Scripts("leave");
    static final Scripts SEND = new Scripts("send");
    static final Scripts QUERY = new Scripts("query");
    static final Scripts RCREATE = new Scripts("rcreate");
    static final Scripts RCLAIM = new Scripts("rclaim");
    static final Scripts RADOPT = new Scripts("radopt");
    static final Scripts RAPPEND = new Scripts("rappend");
    static final Scripts RCOMMIT = new Scripts("rcommit");
    static final Scripts RACK = new Scripts("rack");
    static final Scripts REND = new Scripts("rend");
    static final Scripts RMETA = new Scripts("rmeta");
    static final Scripts RRELEASE = new Scripts("rrelease");
    static final Scripts RSWEEP = new Scripts("rsweep");

    private final byte[] source;
    private final String sha;

    private Scripts(String name) {
        this.source = (load("common") + "\n" + load(name)).getBytes(StandardCharsets.UTF_8);
        try {
            this.sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(source));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T> T run(RedisClusterCommands<String, byte[]> c, Keys keys, ScriptOutputType type, List<byte[]> args) {
        return c.eval(source, type, new String[] {keys.nodes()}, argv(keys, args));
    }

    <T> CompletableFuture<T> runAsync(RedisClusterAsyncCommands<String, byte[]> c, Keys keys, ScriptOutputType type,
            List<byte[]> args) {
        return c.<T>eval(source, type, new String[] {keys.nodes()}, argv(keys, args)).toCompletableFuture();
    }

    /**
     * As {@link #runAsync}, by the script's SHA-1 (EVALSHA: the body is neither sent nor hashed
     * each time; {@link #load} puts it in Redis first). Never falls back to EVAL: a retry could
     * run after a later call and change their order, so when Redis lost its scripts (a restart)
     * the call fails, and the script is loaded again for the calls after it.
     */
    <T> CompletableFuture<T> runByShaAsync(RedisClusterAsyncCommands<String, byte[]> c, Keys keys, ScriptOutputType type,
            List<byte[]> args) {
        return c.<T>evalsha(sha, type, new String[] {keys.nodes()}, argv(keys, args)).toCompletableFuture()
                .whenComplete((r, e) -> {
                    if (e != null && (e instanceof RedisNoScriptException || e.getCause() instanceof RedisNoScriptException)) {
                        c.scriptLoad(source);
                    }
                });
    }

    /** Puts the script in Redis's script cache, for {@link #runByShaAsync}. */
    void load(RedisClusterCommands<String, byte[]> c) {
        c.scriptLoad(source);
    }

    private static byte[][] argv(Keys keys, List<byte[]> args) {
        byte[][] v = new byte[args.size() + 1][];
        v[0] = keys.prefixBytes();
        for (int i = 0; i < args.size(); i++) {
            v[i + 1] = args.get(i);
        }
        return v;
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] b(long n) {
        return Long.toString(n).getBytes(StandardCharsets.UTF_8);
    }

    static String s(Object o) {
        return o instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
