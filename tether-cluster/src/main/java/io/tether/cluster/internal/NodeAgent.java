package io.tether.cluster.internal;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.tether.cluster.ClusterConfig;
import io.tether.server.ServerConfig.DuplicatePolicy;
import io.tether.server.session.EndReason;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of cluster presence: it learns the node's bound sessions from the server's
 * presence events, writes them to Redis, keeps the node's lease, and claims dead nodes.
 *
 * <p>Everything that talks to Redis runs on one thread ({@code tether-cluster}), so a node's
 * writes reach Redis in the order its sessions' events happened and never block an event loop.
 * While Redis is unreachable the writes are skipped (the node is "dirty") and the local truth
 * ({@link #tracked}) goes on; when Redis answers again one {@code register} script makes Redis
 * equal to it, announcing what changed meanwhile.
 *
 * <p>Lease rules (docs/CLUSTER.md): refreshed every lease/3; a refresh that finds a tombstone
 * (another node declared this one dead and announced its sessions offline) closes every local
 * bound session without a second offline and registers afresh. A node claims others only after it
 * has held its own lease for a whole lease time, so nodes coming back from a Redis outage refresh
 * before anyone may claim them.
 */
public final class NodeAgent implements PresenceListener {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");
    /** Stream length kept (approximate trim): a reader that falls further behind misses events. */
    static final long STREAM_MAXLEN = 100_000;
    /** Most end reasons kept for sessions that ended while Redis was unreachable. */
    private static final int MAX_PENDING_ENDS = 100_000;

    /** A bound session as this node registered it. */
    private record Tracked(Session session, String user, String record) {
    }

    private final RedisLink link;
    private final Keys keys;
    private final String node;
    private final long leaseMs;
    private final long ttlMs;
    private final long tombstoneMs;
    private final ScheduledExecutorService thread;
    private final LongSupplier nanoClock;
    /** session_resume_window in ms: how long a dead node's kept sessions wait for their clients. */
    private final long windowMs;
    /** The kept sessions (null when cluster_resume is off): their orphans are swept each tick. */
    private volatile KeptSessions kept;
    /** session_duplicate_policy as the scripts spell it: replace, refuse, allow. */
    private final String policy;
    /** Bound sessions of this node by id: the truth Redis is made equal to. */
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

    // tether-cluster thread only
    /**
     * Sessions whose online Redis has (so an offline is owed for each), with the online's stream id
     * ("0-0" when announced by a register): a replace from another node ends the older ones only.
     */
    private final Map<String, String> announced = new HashMap<>();
    /** Announced sessions that ended while Redis was unreachable: "user\nreason", for the register script. */
    private final Map<String, String> pendingEnds = new HashMap<>();
    private boolean dirty = true;
    private boolean fresh = true;
    /** When the lease was last renewed (nanoTime); written here only, read by event loops too ({@link #leaseFresh}). */
    private volatile long lastOkNanos;
    private long claimAfterNanos;
    private volatile boolean stopped;

    public NodeAgent(RedisLink link, ClusterConfig config, DuplicatePolicy policy, ScheduledExecutorService thread,
            LongSupplier nanoClock, long windowMs) {
        this.windowMs = windowMs;
        this.policy = policy.name().toLowerCase(java.util.Locale.ROOT);
        this.link = link;
        this.keys = new Keys(config.keyPrefix());
        this.node = config.nodeId();
        this.leaseMs = config.leaseTime().toMillis();
        this.ttlMs = 3 * leaseMs;
        this.tombstoneMs = Math.max(10 * leaseMs, 30_000);
        this.thread = thread;
        this.nanoClock = nanoClock;
    }

    /** Registers now (throws if Redis cannot be reached) and starts the lease ticks. */
    public void start() {
        try {
            thread.submit(this::tick).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (dirty) {
            throw link.unreachable(new RedisException("the first registration failed"));
        }
        long tick = Math.max(1, leaseMs / 3);
        thread.scheduleWithFixedDelay(this::safeTick, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Sets the kept sessions whose orphans each tick sweeps. */
    public void kept(KeptSessions k) {
        kept = k;
    }

    /**
     * True while this node's lease is surely its own: renewed less than five sixths of a lease ago
     * (another node may declare it dead a whole lease after the last renewal). False after a
     * freeze or a long Redis outage, until the next renewal.
     */
    public boolean leaseFresh() {
        return nanoClock.getAsLong() - lastOkNanos < TimeUnit.MILLISECONDS.toNanos(leaseMs) * 5 / 6;
    }

    /**
     * A kept session that moved here from another node: recorded in presence without an online
     * event (it went online where it started) and without the duplicate policy.
     */
    public void adopt(Session s) {
        track(s, "moved");
    }

    /** The number of bound sessions this node holds. */
    public int localSessions() {
        return tracked.size();
    }

    // ------------------------------------------------------------------ the server's presence events

    @Override
    public void onBound(Session session, String userId) {
        track(session, policy);
    }

    @Override
    public void onJoined(Session session, String group) {
        if (tracked.containsKey(session.id())) {
            track(session, policy);
        }
    }

    @Override
    public void onLeft(Session session, String group) {
        if (tracked.containsKey(session.id())) {
            track(session, policy);
        }
    }

    @Override
    public void onOffline(Session session, SessionEnd end) {
        String sid = session.id();
        if (tracked.remove(sid) == null) {
            return;
        }
        if (end.reason() == EndReason.MOVED) {
            execute(() -> announced.remove(sid)); // it lives on another node: its record there, no offline
            return;
        }
        String user = session.userId();
        String reason = end.reason().text();
        execute(() -> writeOffline(sid, user, reason));
    }

    private void track(Session s, String policy) {
        String user = s.userId();
        if (user == null || user.indexOf('\n') >= 0) {
            return; // unbound, or a name the record format cannot hold (docs/CLUSTER.md)
        }
        StringBuilder rec = new StringBuilder(user);
        for (String g : new TreeSet<>(s.groups())) {
            if (g.indexOf('\n') < 0) {
                rec.append('\n').append(g);
            }
        }
        Tracked t = new Tracked(s, user, rec.toString());
        tracked.put(s.id(), t);
        execute(() -> writeRecord(s.id(), t, policy));
    }

    private void execute(Runnable r) {
        if (!stopped) {
            try {
                thread.execute(r);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping: the leave script removes what the node registered
            }
        }
    }

    // ------------------------------------------------------------------ writes (tether-cluster thread)

    private void writeRecord(String sid, Tracked t, String policy) {
        if (dirty || tracked.get(sid) != t) {
            return; // the next register writes it; or it changed or ended meanwhile (a later task writes that)
        }
        try {
            String r = Scripts.s(Scripts.UPSERT.run(link.sync(), keys, ScriptOutputType.VALUE, List.of(Scripts.b(node),
                    Scripts.b(ttlMs), Scripts.b(STREAM_MAXLEN), Scripts.b(sid), Scripts.b(t.record()), Scripts.b(policy))));
            switch (r) {
                case "0" -> tick(); // no lease: find out why before writing anything else
                case "-1" -> t.session().close(EndReason.REFUSED, "user " + t.user() + " already has a session on another node");
                case "1" -> announced.putIfAbsent(sid, "0-0");
                default -> announced.put(sid, r);
            }
        } catch (RedisException e) {
            failed(e);
        }
    }

    private void writeOffline(String sid, String user, String reason) {
        if (!announced.containsKey(sid)) {
            return; // never announced online (it ended before its record was written): no offline is owed
        }
        if (!dirty) {
            try {
                Scripts.OFFLINE.run(link.sync(), keys, ScriptOutputType.INTEGER,
                        List.of(Scripts.b(node), Scripts.b(STREAM_MAXLEN), Scripts.b(sid), Scripts.b(reason)));
                announced.remove(sid);
                return;
            } catch (RedisException e) {
                failed(e);
            }
        }
        announced.remove(sid);
        if (pendingEnds.size() < MAX_PENDING_ENDS) {
            pendingEnds.put(sid, user + "\n" + reason); // the register script announces it when Redis is back
        }
    }

    private void failed(RedisException e) {
        if (!dirty) {
            log.warn("cluster node {}: Redis unreachable at {} ({}); local sessions go on, the node re-registers when it is back",
                    node, link.where(), e.getMessage());
        }
        dirty = true;
    }

    // ------------------------------------------------------------------ lease

    /** A periodic task that throws is never run again: nothing may escape a tick. */
    private void safeTick() {
        try {
            tick();
        } catch (RuntimeException | Error e) {
            log.error("cluster node {}: lease tick failed; the next tick tries again", node, e);
            dirty = true;
        }
    }

    /** One lease tick: register or refresh, then claim dead nodes. */
    void tick() {
        if (stopped) {
            return;
        }
        try {
            if (dirty) {
                if (!register()) {
                    return;
                }
            } else {
                String r = Scripts.s(Scripts.REFRESH.run(link.sync(), keys, ScriptOutputType.STATUS,
                        List.of(Scripts.b(node), Scripts.b(leaseMs), Scripts.b(ttlMs), Scripts.b(windowMs))));
                switch (r) {
                    case "ok" -> lastOkNanos = nanoClock.getAsLong();
                    case "dead" -> {
                        fence("another node declared it dead");
                        return;
                    }
                    default -> {
                        // 'gone': Redis lost our lease without a claim (restarted empty): register again
                        dirty = true;
                        if (!register()) {
                            return;
                        }
                    }
                }
            }
            if (nanoClock.getAsLong() - claimAfterNanos >= 0) {
                claim();
                KeptSessions k = kept;
                if (k != null) {
                    k.sweep();
                }
            }
        } catch (RedisException e) {
            failed(e);
        }
    }

    /**
     * Makes Redis hold exactly this node's sessions. Returns false when the node was declared dead
     * meanwhile (it then fenced) or Redis is still unreachable.
     */
    private boolean register() {
        long now = nanoClock.getAsLong();
        if (!fresh && now - lastOkNanos > TimeUnit.MILLISECONDS.toNanos(tombstoneMs)) {
            // Silent longer than a tombstone lives: a claim may have happened and been forgotten.
            fence("silent for " + TimeUnit.NANOSECONDS.toMillis(now - lastOkNanos) + " ms, longer than a tombstone lives");
            return false;
        }
        List<byte[]> args = new ArrayList<>();
        Map<String, String> ends = Map.copyOf(pendingEnds);
        Map<String, Tracked> snapshot = Map.copyOf(tracked);
        args.add(Scripts.b(node));
        args.add(Scripts.b(leaseMs));
        args.add(Scripts.b(ttlMs));
        args.add(Scripts.b(STREAM_MAXLEN));
        args.add(Scripts.b(fresh ? "1" : "0"));
        // Records Redis holds that this node does not: a previous process under the same node id
        // (fresh), or sessions whose end was not written while Redis was unreachable.
        args.add(Scripts.b(fresh ? "node restarted" : "ended while Redis was unreachable"));
        args.add(Scripts.b(snapshot.size()));
        snapshot.forEach((sid, t) -> {
            args.add(Scripts.b(sid));
            args.add(Scripts.b(t.record()));
        });
        ends.forEach((sid, userAndReason) -> {
            int nl = userAndReason.indexOf('\n');
            args.add(Scripts.b(sid));
            args.add(Scripts.b(userAndReason.substring(0, nl)));
            args.add(Scripts.b(userAndReason.substring(nl + 1)));
        });
        Object r = Scripts.REGISTER.run(link.sync(), keys, ScriptOutputType.MULTI, args);
        if (r instanceof Long l && l == -1) {
            fence("another node declared it dead");
            return false;
        }
        List<?> counts = (List<?>) r;
        ends.keySet().forEach(pendingEnds::remove);
        announced.clear();
        snapshot.keySet().forEach(sid -> announced.put(sid, "0-0"));
        if (!fresh || !counts.get(0).equals(0L) || !counts.get(1).equals(0L)) {
            log.info("cluster node {} registered with {} sessions ({} announced online, {} offline)", node,
                    snapshot.size(), counts.get(0), counts.get(1));
        }
        KeptSessions k = kept;
        if (k != null) {
            k.loadScripts(); // Redis may have restarted, and lost its script cache
        }
        dirty = false;
        fresh = false;
        lastOkNanos = nanoClock.getAsLong();
        claimAfterNanos = lastOkNanos + TimeUnit.MILLISECONDS.toNanos(leaseMs);
        return true;
    }

    /**
     * This node was declared dead and its sessions announced offline: close them here (their
     * offline events find no record in Redis, so none is announced twice), then start over.
     */
    private void fence(String why) {
        KeptSessions k = kept;
        if (k != null) {
            k.fenced(); // first: their clients' messages must not be delivered once the node renews
        }
        List<Tracked> held = new ArrayList<>(tracked.values());
        log.warn("cluster node {}: {}; closing its {} bound sessions (already announced offline) and registering afresh",
                node, why, held.size());
        tracked.clear();
        pendingEnds.clear();
        announced.clear();
        for (Tracked t : held) {
            t.session().close();
        }
        dirty = true;
        fresh = true;
        try {
            register();
        } catch (RedisException e) {
            failed(e);
        }
    }

    private void claim() {
        List<?> out = Scripts.CLAIM.run(link.sync(), keys, ScriptOutputType.MULTI,
                List.of(Scripts.b(node), Scripts.b(tombstoneMs), Scripts.b(STREAM_MAXLEN), Scripts.b(windowMs)));
        for (int i = 0; i + 2 < out.size(); i += 3) {
            log.warn("cluster node {} claimed dead node {}: {} sessions announced offline (node lost), {} kept sessions wait "
                    + "for their clients", node, Scripts.s(out.get(i)), out.get(i + 1), out.get(i + 2));
        }
    }

    /**
     * Leaves the cluster: waits for queued writes, then 'node left' for what is still registered
     * and the node's keys go. Best effort: if Redis is unreachable the lease runs out and a
     * survivor claims the node instead.
     */
    public void leave() {
        stopped = true;
        try {
            thread.submit(() -> {
                try {
                    if (!dirty) {
                        Scripts.LEAVE.run(link.sync(), keys, ScriptOutputType.INTEGER,
                                List.of(Scripts.b(node), Scripts.b(STREAM_MAXLEN)));
                    }
                } catch (RedisException e) {
                    log.warn("cluster node {}: could not leave cleanly ({}); a survivor will claim it", node, e.getMessage());
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("cluster node {}: leave did not finish: {}", node, e.toString());
        }
    }

    /**
     * Another node bound {@code user} (policy replace; its online has stream id {@code onlineId}):
     * ends this node's sessions of the user announced before it, with reason {@code replaced}.
     * Called on the subscription's thread.
     */
    public void replacedElsewhere(String user, String onlineId) {
        execute(() -> {
            for (Map.Entry<String, Tracked> e : tracked.entrySet()) {
                String id = announced.get(e.getKey());
                if (e.getValue().user().equals(user) && id != null && StreamIds.compare(id, onlineId) < 0) {
                    e.getValue().session().close(EndReason.REPLACED, "user " + user + " bound on another node");
                }
            }
        });
    }

    /** Ids of the tracked sessions, for tests and status. */
    Set<String> trackedIds() {
        return Set.copyOf(tracked.keySet());
    }
}
