package io.tether.cluster.internal;

import io.lettuce.core.ScriptOutputType;
import io.tether.cluster.ClusterConfig;
import io.tether.server.session.EndReason;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import io.tether.server.session.SessionStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link SessionStore}: resumable sessions kept in Redis (docs/CLUSTER.md,
 * "Sessions that move between nodes"). Each kept session is a hash, a stream of its
 * unacknowledged messages and a token key; the scripts r*.lua change them atomically, and only
 * the owner node (field {@code o}) may commit receipts or end it, so a node that lost a session
 * to another cannot touch it.
 *
 * <p>Messages are numbered in Redis by one script whoever sends them (this node, another node's
 * {@code sendToUser}, while the session is between nodes), so the numbering has one authority;
 * the owner learns each number from the script's reply or, for another node's send, from a wake
 * in its inbox, fetches what it has not seen, and hands the messages to the server in order
 * ({@link KeptSession}).
 */
public final class KeptSessions implements SessionStore, PresenceListener {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");

    private final RedisLink link;
    private final Keys keys;
    private final String node;
    private final NodeAgent agent;
    private final ScheduledExecutorService thread;
    private final long windowMs;
    private final long ttlMs;
    private final long tombMs;
    private final long leaseMs;
    private final int maxMessages;
    private final long maxBytes;
    private final Attributes attributes;
    private final Map<Session, KeptSession> bySession = new ConcurrentHashMap<>();
    private final Map<String, KeptSession> byGid = new ConcurrentHashMap<>();
    /** Claims answered with an image, until the server adopts the session (gid by image). */
    private final Map<Image, String> arriving = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private volatile Host host;

    public KeptSessions(RedisLink link, ClusterConfig config, NodeAgent agent, ScheduledExecutorService thread,
            long windowMs, int maxMessages, long replayBytes) {
        this.link = link;
        this.keys = new Keys(config.keyPrefix());
        this.node = config.nodeId();
        this.agent = agent;
        this.thread = thread;
        this.windowMs = windowMs;
        this.leaseMs = config.leaseTime().toMillis();
        this.ttlMs = 3 * leaseMs + windowMs;
        this.tombMs = Math.max(60_000, Math.min(3_600_000, 10 * windowMs));
        this.maxMessages = maxMessages;
        this.maxBytes = Math.min(replayBytes, config.sessionMaxBytes());
        this.attributes = new Attributes(config.attributeCodec(), config.sessionMaxBytes());
    }

    @Override
    public void start(Host h) {
        host = h;
        loadScripts();
    }

    /** The per-message scripts run by SHA-1 ({@link Scripts#runByShaAsync}): at join, and whenever the node registers again. */
    void loadScripts() {
        for (Scripts s : List.of(Scripts.RAPPEND, Scripts.RCOMMIT, Scripts.RACK)) {
            s.load(link.sync());
        }
    }

    /** True when {@code s} is kept here: a routed user message reaches it through Redis, not the inbox. */
    public boolean keeps(Session s) {
        return bySession.containsKey(s);
    }

    // ------------------------------------------------------------------ SessionStore

    @Override
    public CompletableFuture<Void> create(Session s, byte[] token) {
        byte[] gidBytes = new byte[12];
        ThreadLocalRandom.current().nextBytes(gidBytes);
        KeptSession k = new KeptSession(HexFormat.of().formatHex(gidBytes), s, 0, host, this::fetch);
        bySession.put(s, k);
        byGid.put(k.gid, k);
        return Scripts.RCREATE.<Long>runAsync(link.async(), keys, ScriptOutputType.INTEGER,
                List.of(b(node), b(k.gid), b(hash(token)), b(s.id()), b(ttlMs))).thenAccept(r -> {
                    if (r != 1L) {
                        throw new IllegalStateException("node " + node + " holds no lease in Redis");
                    }
                });
    }

    @Override
    public CompletableFuture<Claim> claim(byte[] token, byte[] newToken, long receivedSeq, BooleanSupplier waiting) {
        CompletableFuture<Claim> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * leaseMs + 2_000);
        tryClaim(hash(token), hash(newToken), receivedSeq, deadline, 20, result, waiting, false);
        return result;
    }

    private void tryClaim(String tok, String newTok, long received, long deadline, long retryMs,
            CompletableFuture<Claim> result, BooleanSupplier waiting, boolean force) {
        if (!waiting.getAsBoolean()) {
            result.completeExceptionally(new Refused("the client left while the session was being handed over", false));
            return;
        }
        Scripts.RCLAIM.<List<Object>>runAsync(link.async(), keys, ScriptOutputType.MULTI, List.of(b(node), b(tok), b(newTok),
                b(received), b(ttlMs), b(tombMs), b(NodeAgent.STREAM_MAXLEN), b(force ? "1" : "0"))).whenComplete((r, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                        return;
                    }
                    switch (Scripts.s(r.get(0))) {
                        case "local" -> {
                            KeptSession k = byGid.get(Scripts.s(r.get(1)));
                            if (k != null) {
                                result.complete(Claim.local(k.session));
                            } else {
                                // Ours in Redis, but no session here: a claim whose client left before
                                // its WELCOME. Take it again from Redis, with the token the client holds.
                                tryClaim(tok, newTok, received, deadline, retryMs, result, waiting, true);
                            }
                        }
                        case "unknown" -> result.completeExceptionally(
                                new Refused("unknown, expired or already used resume token", false));
                        case "gone" -> result.completeExceptionally(new Refused("the session cannot be recovered: "
                                + Scripts.s(r.get(1)), true));
                        case "wait" -> {
                            if (System.nanoTime() - deadline > 0) {
                                result.completeExceptionally(new Refused("the node holding the session did not hand it over in "
                                        + (2 * leaseMs + 2_000) + " ms", false));
                            } else {
                                thread.schedule(() -> tryClaim(tok, newTok, received, deadline, Math.min(200, retryMs * 2), result, waiting, false),
                                        retryMs, TimeUnit.MILLISECONDS);
                            }
                        }
                        default -> {
                            Image img = image(r);
                            arriving.put(img, Scripts.s(r.get(1)));
                            result.complete(Claim.moved(img));
                        }
                    }
                });
    }

    /** {'moved', gid, user, groups, attributes, in, acked, m1, m2, ...} as the server's Image. */
    private Image image(List<Object> r) {
        String user = Scripts.s(r.get(2));
        String groups = Scripts.s(r.get(3));
        List<byte[]> unacked = new ArrayList<>();
        for (int i = 7; i < r.size(); i++) {
            unacked.add((byte[]) r.get(i));
        }
        return new Image(user.isEmpty() ? null : user,
                groups.isEmpty() ? java.util.Set.of() : java.util.Set.of(groups.split("\n")),
                attributes.decode((byte[]) r.get(4)), Long.parseLong(Scripts.s(r.get(5))), Long.parseLong(Scripts.s(r.get(6))),
                unacked);
    }

    @Override
    public void adopted(Session s, Image image) {
        String gid = arriving.remove(image);
        if (gid == null) {
            log.error("cluster node {}: {} arrived without a claim", node, s);
            return;
        }
        KeptSession k = new KeptSession(gid, s, image.outAcked() + image.unacked().size(), host, this::fetch);
        bySession.put(s, k);
        byGid.put(gid, k);
        Scripts.RADOPT.runAsync(link.async(), keys, ScriptOutputType.INTEGER, List.of(b(node), b(gid), b(s.id()), b(ttlMs)));
        agent.adopt(s);
        // A message another node numbered between the claim and now woke nobody here: look once.
        link.async().hget(keys.kept(gid), "n").thenAccept(n -> {
            if (n != null) {
                k.woken(Long.parseLong(Scripts.s(n)));
            }
        });
    }

    @Override
    public boolean append(Session s, byte[] payload) {
        KeptSession k = bySession.get(s);
        if (k == null) {
            return false;
        }
        Scripts.RAPPEND.<Long>runByShaAsync(link.async(), keys, ScriptOutputType.INTEGER,
                List.of(b(k.gid), payload, b(maxMessages), b(maxBytes), b(node))).whenComplete((seq, e) -> {
                    if (e != null) {
                        // Never a silent gap: the client learns the session ended, and starts afresh.
                        s.close(EndReason.LOST, "a message could not be kept in Redis: " + e.getMessage());
                    } else if (seq == -2) {
                        s.close(EndReason.REPLAY_OVERFLOW, "more unacknowledged messages than Redis keeps for a session ("
                                + maxMessages + " messages, " + maxBytes + " bytes)");
                    } else if (seq > 0) {
                        k.learn(seq, payload);
                    }
                });
        return true;
    }

    @Override
    public CompletableFuture<Boolean> commit(Session s, long inSeq) {
        KeptSession k = bySession.get(s);
        if (k == null) {
            return CompletableFuture.completedFuture(false);
        }
        List<byte[]> args = new ArrayList<>(List.of(b(node), b(k.gid), b(inSeq)));
        byte[] attrs = k.changedAttributes(attributes);
        if (attrs != null) {
            args.add(attrs);
        }
        return Scripts.RCOMMIT.<Long>runByShaAsync(link.async(), keys, ScriptOutputType.INTEGER, args).whenComplete((r, e) -> {
            if (e != null && attrs != null) {
                k.forgetAttributes(); // not kept: send them again with the next receipt
            }
        }).thenApply(r -> r == 1L);
    }

    @Override
    public void acked(Session s, long seq) {
        KeptSession k = bySession.get(s);
        if (k != null) {
            Scripts.RACK.runByShaAsync(link.async(), keys, ScriptOutputType.INTEGER, List.of(b(k.gid), b(seq)));
        }
    }

    @Override
    public void ended(Session s, SessionEnd end) {
        KeptSession k = bySession.remove(s);
        if (k == null) {
            return;
        }
        byGid.remove(k.gid, k);
        attributes.forget(s);
        if (end.reason() != EndReason.MOVED) {
            Scripts.RENDS.runAsync(link.async(), keys, ScriptOutputType.INTEGER,
                    List.of(b(node), b(k.gid), b(end.reason().text()), b(tombMs)));
        }
    }

    @Override
    public boolean mayDeliver() {
        return agent.leaseFresh();
    }

    // ------------------------------------------------------------------ presence: user and groups go to Redis too

    @Override
    public void onBound(Session s, String userId) {
        meta(s);
    }

    @Override
    public void onJoined(Session s, String group) {
        meta(s);
    }

    @Override
    public void onLeft(Session s, String group) {
        meta(s);
    }

    private void meta(Session s) {
        KeptSession k = bySession.get(s);
        String user = s.userId();
        if (k != null && user != null) {
            Scripts.RMETA.runAsync(link.async(), keys, ScriptOutputType.INTEGER,
                    List.of(b(node), b(k.gid), b(user), b(String.join("\n", new TreeSet<>(s.groups()))), b(ttlMs)));
        }
    }

    // ------------------------------------------------------------------ from the inbox (Router)

    /** 'w' gid\nseq: another node numbered a message; 'o' gid: it overflowed; 'h' gid\nnode: hand it over. */
    public void routed(char kind, String gid, String arg) {
        KeptSession k = byGid.get(gid);
        switch (kind) {
            case 'w' -> {
                if (k != null) {
                    k.woken(Long.parseLong(arg));
                }
            }
            case 'o' -> {
                if (k != null) {
                    k.session.close(EndReason.REPLAY_OVERFLOW, "more unacknowledged messages than Redis keeps for a session");
                }
            }
            case 'h' -> thread.execute(() -> handOver(gid, k, arg));
            default -> log.warn("cluster node {}: unknown kept-session message {}", node, kind);
        }
    }

    private void handOver(String gid, KeptSession k, String to) {
        byte[] attrs = k == null ? null : k.changedAttributes(attributes); // before the end clears them
        long in = k == null ? -1 : host.release(k.session);
        List<byte[]> args = new ArrayList<>(List.of(b(node), b(gid), b(in), b(windowMs)));
        if (attrs != null) {
            args.add(attrs);
        }
        Scripts.RRELEASE.runAsync(link.async(), keys, ScriptOutputType.INTEGER, args);
        log.debug("cluster node {}: session {} handed over to {}", node, gid, to);
    }

    /**
     * This node was declared dead: its kept sessions were unowned in Redis by the claim and wait
     * there for their clients. They end here at once ({@code moved}: they live on in Redis), before
     * the node registers again, so nothing a client sent to this node in its pause is delivered.
     */
    void fenced() {
        for (KeptSession k : List.copyOf(bySession.values())) {
            k.session.close(EndReason.MOVED, "this node was declared dead; the session waits in Redis for its client");
        }
    }

    /** Orphans whose window passed: offline once, forgotten (each node's lease tick). */
    void sweep() {
        Scripts.RSWEEP.run(link.sync(), keys, ScriptOutputType.INTEGER, List.of(b(node), b(NodeAgent.STREAM_MAXLEN), b(tombMs)));
    }

    // ------------------------------------------------------------------ helpers

    /** The key of a token in Redis: its SHA-256, so reading Redis does not let one resume a session. */
    static String hash(byte[] token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] b(long n) {
        return Scripts.b(n);
    }

    /** Messages {@code from..to} of a kept session in Redis: seq, payload, seq, payload... */
    private CompletableFuture<List<Object>> fetch(String gid, long from, long to) {
        return link.async().xrange(keys.messages(gid), io.lettuce.core.Range.create(from + "-0", to + "-0"))
                .toCompletableFuture().thenApply(list -> {
                    List<Object> out = new ArrayList<>();
                    list.forEach(m -> {
                        out.add(Long.parseLong(m.getId().substring(0, m.getId().indexOf('-'))));
                        out.add(m.getBody().get("m"));
                    });
                    return out;
                });
    }
}
