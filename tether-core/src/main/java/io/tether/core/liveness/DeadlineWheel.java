package io.tether.core.liveness;

/**
 * A hashed timing wheel of intrusive entries, owned by one thread (an event loop).
 *
 * <p>Why this shape: a connection's deadline moves on every read, so the read path must be a
 * single field write. Entries therefore sit in the slot of the deadline they had when they were
 * last (re)scheduled; when that slot comes round, {@link Handler#onDue} looks at the entry's
 * real state and either acts (close, send a ping) or returns the next time to look. A healthy
 * connection costs one visit per idle period, a silent one costs nothing until it expires, and
 * each entry costs three fields (two links and a long) instead of a scheduled task.
 *
 * <p>The wheel keeps one bit per slot (set while the slot holds an entry) and one bit per 64 slots
 * over that, so {@link #nextDueNanos()} finds the next slot to visit in a few word reads instead
 * of a scan of up to 65,536 slots: an owner can sleep until then ({@link WheelTimer}) instead of
 * ticking at a fixed rate, and {@link #advance} jumps over empty slots the same way.
 *
 * <p>Deadlines come from {@link System#nanoTime()}; a wall-clock jump moves nothing. Not thread
 * safe: every method must be called from the owning thread.
 */
public final class DeadlineWheel<E extends DeadlineWheel.Entry> {

    /** Returned by {@link Handler#onDue} to drop the entry from the wheel. */
    public static final long NONE = Long.MIN_VALUE;

    private static final int OFF = -1;
    private static final int DEFERRED = -2;

    /** What the wheel links; extend it (the connection object itself is a good choice). */
    public abstract static class Entry {
        Entry next;
        Entry prev;
        long due;
        /** Index in the wheel, {@link #OFF} when not on it, {@link #DEFERRED} while held aside by advance. */
        int slot = OFF;

        /** The time, in nanoTime, at which the wheel will next visit this entry. */
        public final long dueNanos() {
            return due;
        }

        public final boolean isScheduled() {
            return slot != OFF;
        }
    }

    /** Decides what a due entry means. */
    @FunctionalInterface
    public interface Handler<E> {
        /**
         * Called when an entry's slot comes due. Return the next nanoTime to visit it, or
         * {@link #NONE} to drop it. A returned time not after {@code now} is visited on the next tick.
         */
        long onDue(E entry, long now);
    }

    private final Entry[] slots;
    private final int mask;
    private final long tickNanos;
    private final long origin;
    private final Handler<E> handler;
    /** Bit {@code i} set while {@code slots[i]} holds an entry. */
    private final long[] occupied;
    /** Bit {@code w} set while {@code occupied[w]} is not 0: the next occupied slot is a few word reads away. */
    private final long[] occupiedWords;
    /** The absolute tick that the next {@link #advance} starts from. */
    private long nextTick;
    private int size;

    /**
     * @param tickNanos  resolution: an entry is visited at most one tick after its due time
     * @param horizonNanos the longest delay you expect to schedule; sizes the wheel so such an
     *                     entry is visited once (longer delays still work, costing a visit per turn)
     * @param now        the current nanoTime
     */
    public DeadlineWheel(long tickNanos, long horizonNanos, long now, Handler<E> handler) {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive, got " + tickNanos);
        }
        long wanted = Math.max(16, Math.min(1L << 16, horizonNanos / tickNanos + 2));
        int n = Integer.highestOneBit((int) (wanted - 1)) << 1;
        this.slots = new Entry[n];
        this.mask = n - 1;
        this.tickNanos = tickNanos;
        this.origin = now;
        this.handler = handler;
        this.nextTick = 1;
        this.occupied = new long[Math.max(1, n >>> 6)];
        this.occupiedWords = new long[Math.max(1, occupied.length >>> 6)];
    }

    public int size() {
        return size;
    }

    public long tickNanos() {
        return tickNanos;
    }

    /**
     * The nanoTime of the next tick at which {@link #advance} has an entry to look at, or
     * {@link #NONE} when the wheel is empty. An owner that advances the wheel then (or later) keeps
     * the guarantee that every entry is visited at most one tick after its due time: the tick is
     * the first one at or after the due time of the earliest entry, or, for an entry more than one
     * turn ahead, the tick at which its slot comes round (where it is looked at and put back).
     * Call it from the owning thread, outside {@link #advance}.
     */
    public long nextDueNanos() {
        int d = distanceToOccupied((int) (nextTick & mask));
        return d < 0 ? NONE : origin + (nextTick + d) * tickNanos;
    }

    /** Puts the entry on the wheel to be visited at {@code dueNanos}, moving it if it already is. */
    public void schedule(E entry, long dueNanos) {
        if (entry.slot == DEFERRED) {
            entry.due = dueNanos; // advance() links it once it is done with the current slot
            return;
        }
        if (entry.slot >= 0) {
            unlink(entry);
        } else {
            size++;
        }
        link(entry, dueNanos);
    }

    /** Takes the entry off the wheel; harmless if it is not on it. */
    public void cancel(E entry) {
        if (entry.slot >= 0) {
            unlink(entry);
            size--;
        } else if (entry.slot == DEFERRED) {
            entry.slot = OFF;
            size--;
        }
    }

    /**
     * Visits every entry whose slot is due at {@code now}. Returns how many handler calls were
     * made, so callers can measure the work.
     */
    @SuppressWarnings("unchecked")
    public int advance(long now) {
        long nowTick = Math.floorDiv(now - origin, tickNanos);
        if (nowTick < nextTick) {
            return 0;
        }
        // After a long stall one full turn visits every slot; no need to spin through the rest.
        long t = Math.max(nextTick, nowTick - mask);
        int calls = 0;
        // Only occupied slots are visited; a handler may fill a later slot of this range, so look again after each.
        for (int d; (d = distanceToOccupied((int) (t & mask))) >= 0 && t + d <= nowTick; t++) {
            t += d;
            int index = (int) (t & mask);
            nextTick = t + 1;
            Entry later = null; // entries of a later turn, put back once this slot is empty
            Entry e;
            // Pop one at a time: a handler may cancel any other entry, including ones in this slot.
            while ((e = slots[index]) != null) {
                unlink(e);
                if (e.due > now) {
                    e.slot = DEFERRED;
                    e.next = later;
                    later = e;
                    continue;
                }
                size--;
                calls++;
                long again = handler.onDue((E) e, now);
                if (again != NONE && e.slot == OFF) {
                    size++;
                    link(e, again);
                }
            }
            while (later != null) {
                Entry following = later.next;
                later.next = null;
                if (later.slot == DEFERRED) {
                    link(later, later.due);
                }
                later = following;
            }
        }
        nextTick = nowTick + 1;
        return calls;
    }

    private void link(Entry e, long dueNanos) {
        e.due = dueNanos;
        long tick = Math.max(Math.floorDiv(dueNanos - origin + tickNanos - 1, tickNanos), nextTick);
        int index = (int) (tick & mask);
        Entry head = slots[index];
        if (head == null) {
            markOccupied(index);
        }
        e.slot = index;
        e.prev = null;
        e.next = head;
        if (head != null) {
            head.prev = e;
        }
        slots[index] = e;
    }

    private void unlink(Entry e) {
        if (e.prev != null) {
            e.prev.next = e.next;
        } else {
            slots[e.slot] = e.next;
            if (e.next == null) {
                markEmpty(e.slot);
            }
        }
        if (e.next != null) {
            e.next.prev = e.prev;
        }
        e.next = null;
        e.prev = null;
        e.slot = OFF;
    }

    private void markOccupied(int index) {
        int w = index >>> 6;
        if (occupied[w] == 0) {
            occupiedWords[w >>> 6] |= 1L << w;
        }
        occupied[w] |= 1L << index;
    }

    private void markEmpty(int index) {
        int w = index >>> 6;
        occupied[w] &= ~(1L << index);
        if (occupied[w] == 0) {
            occupiedWords[w >>> 6] &= ~(1L << w);
        }
    }

    /** Slots from {@code from} (cyclically) to the first occupied one; -1 when every slot is empty. */
    private int distanceToOccupied(int from) {
        int found = firstOccupiedFrom(from);
        if (found >= 0) {
            return found - from;
        }
        found = firstOccupiedFrom(0);
        return found < 0 ? -1 : found + slots.length - from;
    }

    /** The first occupied slot index at or after {@code from}, or -1. */
    private int firstOccupiedFrom(int from) {
        int w = from >>> 6;
        long bits = occupied[w] & (-1L << from);
        if (bits != 0) {
            return (w << 6) + Long.numberOfTrailingZeros(bits);
        }
        int next = w + 1;
        if (next >= occupied.length) {
            return -1;
        }
        int s = next >>> 6;
        long words = occupiedWords[s] & (-1L << next);
        while (words == 0) {
            if (++s >= occupiedWords.length) {
                return -1;
            }
            words = occupiedWords[s];
        }
        int word = (s << 6) + Long.numberOfTrailingZeros(words);
        return (word << 6) + Long.numberOfTrailingZeros(occupied[word]);
    }
}
