package io.tether.cluster.internal;

import io.tether.server.session.Session;
import io.tether.server.session.SessionStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session kept in Redis, on the node that owns it: its id there (gid) and which of its
 * numbered messages the server has. Numbers come back out of order (this node's replies, other
 * nodes' wakes); the server gets them in order with no gap, fetching a gap from Redis.
 */
final class KeptSession {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");
    final String gid;
    final Session session;
    private final SessionStore.Host host;
    private final Fetcher fetcher;
    // guarded by this
    private long known;
    private long seen;
    private final TreeMap<Long, byte[]> early = new TreeMap<>();
    private boolean fetching;
    private byte[] lastAttributes;

    /** Reads messages {@code from..to} of a kept session from Redis: a list of seq, payload, seq, payload... */
    interface Fetcher {
        CompletableFuture<List<Object>> fetch(String gid, long from, long to);
    }

    KeptSession(String gid, Session session, long known, SessionStore.Host host, Fetcher fetcher) {
        this.gid = gid;
        this.session = session;
        this.host = host;
        this.fetcher = fetcher;
        this.known = known;
        this.seen = known;
    }

    /** Message {@code seq} is {@code payload} (this node numbered it). */
    void learn(long seq, byte[] payload) {
        synchronized (this) {
            if (seq <= known) {
                return;
            }
            early.put(seq, payload);
            seen = Math.max(seen, seq);
        }
        drain();
    }

    /** Messages up to {@code seq} exist (another node numbered them). */
    void woken(long seq) {
        synchronized (this) {
            seen = Math.max(seen, seq);
        }
        drain();
    }

    /** Hands the server what follows {@code known} without a gap; fetches a gap from Redis. */
    private void drain() {
        long from;
        long to;
        synchronized (this) {
            List<byte[]> run = new ArrayList<>();
            long first = known + 1;
            byte[] p;
            while ((p = early.get(known + 1)) != null) {
                early.remove(known + 1);
                run.add(p);
                known++;
            }
            if (!run.isEmpty()) {
                host.learned(session, first, run); // under this lock: one run at a time, in order
            }
            if (fetching || seen <= known) {
                return;
            }
            fetching = true;
            from = known + 1;
            Long next = early.isEmpty() ? null : early.firstKey();
            to = next == null ? seen : next - 1;
        }
        fetcher.fetch(gid, from, to).whenComplete((list, e) -> {
            synchronized (this) {
                fetching = false;
                if (e == null) {
                    for (int i = 0; i + 1 < list.size(); i += 2) {
                        long seq = (Long) list.get(i);
                        if (seq > known) {
                            early.putIfAbsent(seq, (byte[]) list.get(i + 1));
                        }
                    }
                }
            }
            if (e != null) {
                log.warn("{}: could not fetch messages {}..{} from Redis: {}", session, from, to, e.toString());
            } else {
                drain();
            }
        });
    }

    /** The last attributes sent did not reach Redis. */
    synchronized void forgetAttributes() {
        lastAttributes = null;
    }

    /** The attributes' bytes if they changed since last kept, else null. On the caller's thread. */
    byte[] changedAttributes(Attributes codec) {
        byte[] now = codec.encode(session);
        synchronized (this) {
            if (Arrays.equals(now, lastAttributes)) {
                return null;
            }
            lastAttributes = now;
        }
        return now;
    }
}
