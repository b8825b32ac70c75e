package io.tether.cluster.internal;

import static io.tether.cluster.internal.Scripts.b;

import io.lettuce.core.ScriptOutputType;
import io.tether.cluster.ClusterConfig;
import io.tether.server.session.EndReason;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import io.tether.server.session.SessionStore;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
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
    /**
     * The bounds as the scripts take them, made once: session_replay_buffer, and the smaller of
     * session_replay_bytes and cluster_session_max_bytes (rappend; send, for a user's kept sessions).
     */
    final byte[] maxMessagesArg;
    final byte[] maxBytesArg;
    private final byte[] nodeArg;
    private final Attributes attributes;
    private final Map<Session, KeptSession> bySession = new ConcurrentHashMap<>();
    private final Map<String, KeptSession> byGid = new ConcurrentHashMap<>();
    /** Claims answered with an image, until the server adopts the session (gid by image). */
    private final Map<Image, String> arriving = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private volatile Host host;
    private final ClusterTokens tokens = new ClusterTokens();

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
        this.maxMessagesArg = b(maxMessages);
        this.maxBytesArg = b(maxBytes);
        this.nodeArg = b(node);
        this.attributes = new Attributes(config.attributeCodec(), config.sessionMaxBytes());
    }

    @Override
    public void start(Host h) {
        host = h;
        loadScripts();
    }

    /**
     * At join, and whenever the node registers again: the per-message scripts, which run by SHA-1
     * ({@link Scripts#runByShaAsync}), and the cluster's epoch ({@link ClusterTokens}).
     */
    void loadScripts() {
        for (Scripts s : List.of(Scripts.RAPPEND, Scripts.RCOMMIT, Scripts.RACK)) {
            s.load(link.sync());
        }
        tokens.load(link, keys, ttlMs);
    }

    @Override
    public byte[] newToken() {
        return tokens.next();
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
                List.of(nodeArg, b(k.gid), b(ClusterTokens.hash(token)), b(s.id()), b(ttlMs))).thenAccept(r -> {
                    if (r != 1L) {
                        throw new IllegalStateException("node " + node + " holds no lease in Redis");
                    }
                });
    }

    @Override
    public CompletableFuture<Claim> claim(byte[] token, byte[] newToken, long receivedSeq, BooleanSupplier waiting) {
        return new ResumeClaim(this, token, newToken, receivedSeq, waiting).start();
    }

    // ------------------------------------------------------------------ for ResumeClaim

    /** One try of the rclaim script (docs in rclaim.lua). */
    CompletableFuture<List<Object>> claimScript(String tok, String newTok, long received, boolean force) {
        return Scripts.RCLAIM.<List<Object>>runAsync(link.async(), keys, ScriptOutputType.MULTI, List.of(nodeArg, b(tok), b(newTok),
                b(received), b(ttlMs), b(tombMs), b(NodeAgent.STREAM_MAXLEN), b(force ? "1" : "0")));
    }

    /** The session of {@code gid} on this node, or null. */
    Session local(String gid) {
        KeptSession k = byGid.get(gid);
        return k == null ? null : k.session;
    }

    /** A claim got {@code image} of {@code gid}: remembered until the server adopts it. */
    void arriving(Image image, String gid) {
        arriving.put(image, gid);
    }

    ClusterTokens tokens() {
        return tokens;
    }

    Attributes attributes() {
        return attributes;
    }

    ScheduledExecutorService thread() {
        return thread;
    }

    /** How long a resume waits for the session's node to let it go: two leases and 2 s. */
    long claimPatienceMs() {
        return 2 * leaseMs + 2_000;
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
        Scripts.RADOPT.runAsync(link.async(), keys, ScriptOutputType.INTEGER, List.of(nodeArg, b(gid), b(s.id()), b(ttlMs)));
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
                List.of(b(k.gid), payload, maxMessagesArg, maxBytesArg, nodeArg)).whenComplete((seq, e) -> {
                    if (e != null) {
                        // Never a silent gap: the client learns the session ended, and starts afresh.
                        end(s, EndReason.LOST, "a message could not be kept in Redis: " + e.getMessage());
                    } else if (seq == -2) {
                        end(s, EndReason.REPLAY_OVERFLOW, "more unacknowledged messages than Redis keeps for a session ("
                                + maxMessages + " messages, " + maxBytes + " bytes)");
                    } else if (seq > 0) {
                        k.learn(seq, payload);
                    } else {
                        end(s, EndReason.LOST, "the session's state in Redis is gone (Redis lost its data?)");
                    }
                });
        return true;
    }

    @Override
    public CompletableFuture<Receipt> commit(Session s, long inSeq) {
        KeptSession k = bySession.get(s);
        if (k == null) {
            return CompletableFuture.completedFuture(Receipt.MOVED);
        }
        List<byte[]> args = new ArrayList<>(List.of(nodeArg, b(k.gid), b(inSeq)));
        byte[] attrs = k.changedAttributes(attributes);
        if (attrs != null) {
            args.add(attrs);
        }
        return Scripts.RCOMMIT.<Long>runByShaAsync(link.async(), keys, ScriptOutputType.INTEGER, args).whenComplete((r, e) -> {
            if (e != null && attrs != null) {
                k.forgetAttributes(); // not kept: send them again with the next receipt
            }
        }).thenApply(r -> r == 1L ? Receipt.KEPT : r == 0L ? Receipt.MOVED : Receipt.GONE);
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
            Scripts.REND.runAsync(link.async(), keys, ScriptOutputType.INTEGER,
                    List.of(nodeArg, b(k.gid), b(end.reason().text()), b(tombMs)));
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
                    List.of(nodeArg, b(k.gid), b(user), b(String.join("\n", new TreeSet<>(s.groups()))), b(ttlMs)));
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
                    end(k.session, EndReason.REPLAY_OVERFLOW, "more unacknowledged messages than Redis keeps for a session");
                }
            }
            case 'h' -> thread.execute(() -> handOver(gid, k, arg));
            default -> log.warn("cluster node {}: unknown kept-session message {}", node, kind);
        }
    }

    private void handOver(String gid, KeptSession k, String to) {
        byte[] attrs = k == null ? null : k.changedAttributes(attributes); // before the end clears them
        long in = k == null ? -1 : host.release(k.session);
        List<byte[]> args = new ArrayList<>(List.of(nodeArg, b(gid), b(in), b(windowMs)));
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
        Scripts.RSWEEP.run(link.sync(), keys, ScriptOutputType.INTEGER, List.of(nodeArg, b(NodeAgent.STREAM_MAXLEN), b(tombMs)));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Ends {@code s} on the tether-cluster thread, as the node's other closes: never on Lettuce's
     * I/O thread or the inbox reader, where the offline listeners it calls could stall Redis traffic.
     */
    private void end(Session s, EndReason reason, String detail) {
        thread.execute(() -> s.close(reason, detail));
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
