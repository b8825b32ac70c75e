package io.tether.metrics.internal;

import io.tether.core.close.CloseReason;
import io.tether.server.TetherServer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin page's trend: every {@link #INTERVAL_MILLIS} a sample of the live counts and of what
 * opened and closed since the previous one (by reason), the last {@link #SAMPLES} kept, so a page
 * opened now shows the last ten minutes. Sampled on the admin endpoint's own timer thread.
 */
public final class History {
    public static final long INTERVAL_MILLIS = 2000;
    static final int SAMPLES = 300;

    /** One sample: when, live counts, and what happened since the one before. */
    public record Sample(long atMillis, int live, int sessions, long opened, Map<String, Long> closed) {
    }

    private final TetherServer server;
    private final Meters meters;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private final double[] lastClosed = new double[CloseReason.values().length];
    private double lastOpened;

    public History(TetherServer server, Meters meters) {
        this.server = server;
        this.meters = meters;
        for (CloseReason r : CloseReason.values()) {
            lastClosed[r.ordinal()] = meters.closedCount(r);
        }
        lastOpened = meters.openedCount();
    }

    /** Takes one sample; called every interval. */
    public synchronized void sample() {
        Map<String, Long> closed = new LinkedHashMap<>();
        for (CloseReason r : CloseReason.values()) {
            double now = meters.closedCount(r);
            long delta = Math.round(now - lastClosed[r.ordinal()]);
            lastClosed[r.ordinal()] = now;
            if (delta > 0) {
                closed.put(r.text(), delta);
            }
        }
        double opened = meters.openedCount();
        long openedDelta = Math.round(opened - lastOpened);
        lastOpened = opened;
        Census census = meters.census();
        int sessions = census != null && census.sessionsOn() ? (int) census.sessionsLive() : 0;
        samples.addLast(new Sample(System.currentTimeMillis(), server.connectionCount(), sessions, openedDelta, closed));
        while (samples.size() > SAMPLES) {
            samples.removeFirst();
        }
    }

    public synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }
}
