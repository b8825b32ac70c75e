package io.tether.metrics.internal;

import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts taken by walking the server's connections and sessions, for the gauges. A walk costs a
 * snapshot of every connection, so one walk serves every gauge of a scrape: a census is reused for
 * {@link #MAX_AGE_NANOS}. Runs on the scraping thread, never on an event loop.
 */
public final class Census {
    static final long MAX_AGE_NANOS = 500_000_000L;

    private final TetherServer server;
    private final boolean sessionsOn;
    private long takenAt;
    private boolean taken;
    private Map<String, int[]> live = Map.of();
    private long outboundQueuedBytes;
    private int sessionsLive;
    private int sessionsDetached;
    private long replayBytes;

    Census(TetherServer server, boolean sessionsOn) {
        this.server = server;
        this.sessionsOn = sessionsOn;
    }

    private synchronized void refresh() {
        long now = System.nanoTime();
        if (taken && now - takenAt < MAX_AGE_NANOS) {
            return;
        }
        Map<String, int[]> byTransport = new HashMap<>();
        for (Connection c : server.connections()) {
            byTransport.computeIfAbsent(c.transport(), t -> new int[Framing.values().length])[c.framing().ordinal()]++;
        }
        live = byTransport;
        outboundQueuedBytes = server.outboundQueuedBytes();
        if (sessionsOn) {
            int all = 0;
            int detached = 0;
            long replay = 0;
            for (Session s : server.sessions().all()) {
                all++;
                if (s.state() == Session.State.DETACHED) {
                    detached++;
                }
                replay += s.replayBytes();
            }
            sessionsLive = all;
            sessionsDetached = detached;
            replayBytes = replay;
        }
        takenAt = now;
        taken = true;
    }

    /** Forgets the last walk: the next read walks again (after a kick, say). */
    public synchronized void invalidate() {
        taken = false;
    }

    public synchronized double live(String transport, Framing framing) {
        refresh();
        int[] counts = live.get(transport);
        return counts == null ? 0 : counts[framing.ordinal()];
    }

    public synchronized Map<Framing, Integer> liveByFraming() {
        refresh();
        Map<Framing, Integer> m = new java.util.EnumMap<>(Framing.class);
        for (Framing f : Framing.values()) {
            int n = 0;
            for (int[] counts : live.values()) {
                n += counts[f.ordinal()];
            }
            m.put(f, n);
        }
        return m;
    }

    public synchronized Map<String, Integer> liveByTransport() {
        refresh();
        Map<String, Integer> m = new java.util.TreeMap<>();
        live.forEach((t, counts) -> m.put(t, java.util.Arrays.stream(counts).sum()));
        return m;
    }

    public synchronized double outboundQueuedBytes() {
        refresh();
        return outboundQueuedBytes;
    }

    public synchronized double sessionsLive() {
        refresh();
        return sessionsLive;
    }

    public synchronized double sessionsDetached() {
        refresh();
        return sessionsDetached;
    }

    public synchronized double replayBytes() {
        refresh();
        return replayBytes;
    }

    public boolean sessionsOn() {
        return sessionsOn;
    }
}
