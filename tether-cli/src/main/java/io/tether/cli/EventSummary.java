package io.tether.cli;

import io.tether.core.close.CloseReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * Keeps connect and close lines affordable with 100,000 connections. Every event is counted. In
 * each window (10 s) the first {@code lines} events (100) get a line of their own at INFO; the rest
 * are only counted (and logged at DEBUG by the caller), and a window that held some back ends
 * with one INFO line that sums it up:
 * {@code 5231 connects, 5198 closes (peer closed 5000, idle timeout 198) in the last 10.0 s; 133 open; ...}.
 *
 * <p>A person can read 10 lines a second, and a reconnect storm of 100,000 clients costs 100 lines
 * and a summary per 10 s instead of 200,000 lines. Counting is on the event loop and cheap (a
 * striped counter, and one shared counter read once the window's lines are spent); the summary is
 * written by a timer thread of its own.
 */
final class EventSummary implements AutoCloseable {
    static final Duration WINDOW = Duration.ofSeconds(10);
    static final int LINES = 100;
    private static final CloseReason[] REASONS = CloseReason.values();

    private final Logger log;
    private final int lines;
    private final AtomicInteger left;
    private final LongAdder connects = new LongAdder();
    private final LongAdder[] closes = new LongAdder[REASONS.length];
    private final LongAdder held = new LongAdder();
    private final ScheduledExecutorService timer;
    private long windowStart = System.nanoTime(); // guarded by this
    private long open; // guarded by this

    EventSummary(Logger log, Duration window, int lines) {
        this.log = log;
        this.lines = lines;
        this.left = new AtomicInteger(lines);
        for (int i = 0; i < closes.length; i++) {
            closes[i] = new LongAdder();
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tether-event-summary");
            t.setDaemon(true);
            return t;
        });
        long ms = window.toMillis();
        timer.scheduleAtFixedRate(this::endWindow, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Counts a connect; true when it may have a line of its own at INFO. */
    boolean connect() {
        connects.increment();
        return take();
    }

    /** Counts a close; true when it may have a line of its own at INFO. */
    boolean close(CloseReason reason) {
        closes[reason.ordinal()].increment();
        return take();
    }

    private boolean take() {
        // Read before decrementing: once the lines are spent, an event only reads a shared counter.
        if (left.get() > 0 && left.getAndDecrement() > 0) {
            return true;
        }
        held.increment();
        return false;
    }

    /** Sums up the window that ends now, if it held lines back, and starts the next. */
    synchronized void endWindow() {
        long now = System.nanoTime();
        long connected = connects.sumThenReset();
        long[] closed = new long[REASONS.length];
        long closedAll = 0;
        for (int i = 0; i < closed.length; i++) {
            closed[i] = closes[i].sumThenReset();
            closedAll += closed[i];
        }
        long heldBack = held.sumThenReset();
        left.set(lines);
        open += connected - closedAll;
        if (heldBack > 0) {
            log.info(text(connected, closed, open, heldBack, lines, (now - windowStart) / 1e9));
        }
        windowStart = now;
    }

    static String text(long connected, long[] closedByReason, long open, long heldBack, int lines, double seconds) {
        long closedAll = 0;
        List<Integer> reasons = new ArrayList<>();
        for (int i = 0; i < closedByReason.length; i++) {
            closedAll += closedByReason[i];
            if (closedByReason[i] > 0) {
                reasons.add(i);
            }
        }
        reasons.sort((a, b) -> Long.compare(closedByReason[b], closedByReason[a]));
        StringBuilder sb = new StringBuilder();
        sb.append(connected).append(connected == 1 ? " connect, " : " connects, ")
                .append(closedAll).append(closedAll == 1 ? " close" : " closes");
        if (!reasons.isEmpty()) {
            sb.append(" (");
            for (int k = 0; k < reasons.size(); k++) {
                sb.append(k == 0 ? "" : ", ").append(REASONS[reasons.get(k)].text()).append(' ').append(closedByReason[reasons.get(k)]);
            }
            sb.append(')');
        }
        sb.append(String.format(Locale.ROOT, " in the last %.1f s; %d open; ", seconds, open));
        sb.append(heldBack).append(" of them past the ").append(lines).append(lines == 1 ? " line" : " lines")
                .append(" a window logs at INFO (--log-level debug logs each)");
        return sb.toString();
    }

    /** Stops the timer and sums up the last, partial window. */
    @Override
    public void close() {
        timer.shutdownNow();
        endWindow();
    }
}
