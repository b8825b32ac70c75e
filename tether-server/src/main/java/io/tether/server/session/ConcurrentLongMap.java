package io.tether.server.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A thread-safe map from {@code long} keys to values without boxing: the key space is split over
 * 32 stripes, each an open-addressing table (linear probing, backward-shift deletion) guarded by
 * its own monitor. An entry costs one {@code long} and one reference slot at a load between 1/8
 * and 2/3, where a {@code ConcurrentHashMap<Long, V>} costs a node, a boxed key and a table slot.
 *
 * <p>Every access takes its stripe's lock, held only for the table operation. Iteration is weakly
 * consistent (one stripe at a time) and never calls the caller's code under a lock. Null values
 * are not allowed.
 */
final class ConcurrentLongMap<V> {
    private static final int STRIPES = 32;
    private static final int MIN_CAPACITY = 8;

    private static final class Stripe {
        long[] keys = new long[MIN_CAPACITY];
        /** A null value marks a free slot. */
        Object[] values = new Object[MIN_CAPACITY];
        int size;
    }

    private final Stripe[] stripes = new Stripe[STRIPES];

    ConcurrentLongMap() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** murmur3's 64-bit finalizer: ids counting up spread over stripes and slots. */
    private static long mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private Stripe stripe(long mixed) {
        return stripes[(int) mixed & (STRIPES - 1)];
    }

    private static int home(long mixed, int mask) {
        return (int) (mixed >>> 32) & mask;
    }

    /** The slot holding {@code key}, or the free slot where it would go. Caller holds the lock. */
    private static int slot(Stripe s, long key, long mixed) {
        int mask = s.keys.length - 1;
        int i = home(mixed, mask);
        while (s.values[i] != null && s.keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    @SuppressWarnings("unchecked")
    V get(long key) {
        long m = mix(key);
        Stripe s = stripe(m);
        synchronized (s) {
            return (V) s.values[slot(s, key, m)];
        }
    }

    /** Maps {@code key} to {@code value}; returns the previous value or null. */
    @SuppressWarnings("unchecked")
    V put(long key, V value) {
        Objects.requireNonNull(value, "value");
        long m = mix(key);
        Stripe s = stripe(m);
        synchronized (s) {
            int i = slot(s, key, m);
            Object old = s.values[i];
            s.keys[i] = key;
            s.values[i] = value;
            if (old == null && ++s.size * 3 > s.keys.length * 2) {
                resize(s, s.keys.length * 2);
            }
            return (V) old;
        }
    }

    /** Removes {@code key}; returns its value, or null if it was absent. */
    @SuppressWarnings("unchecked")
    V remove(long key) {
        long m = mix(key);
        Stripe s = stripe(m);
        synchronized (s) {
            int i = slot(s, key, m);
            Object old = s.values[i];
            if (old != null) {
                delete(s, i);
            }
            return (V) old;
        }
    }

    /** Removes {@code key} only while it maps to {@code expected} (identity); returns whether it did. */
    boolean remove(long key, V expected) {
        long m = mix(key);
        Stripe s = stripe(m);
        synchronized (s) {
            int i = slot(s, key, m);
            if (s.values[i] == null || s.values[i] != expected) {
                return false;
            }
            delete(s, i);
            return true;
        }
    }

    /** Entries now; a sum over the stripes, exact only when nothing changes meanwhile. */
    int size() {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                n += s.size;
            }
        }
        return n;
    }

    /** Calls {@code action} for each value, one stripe's snapshot at a time, outside the locks. */
    @SuppressWarnings("unchecked")
    void forEach(Consumer<? super V> action) {
        for (Stripe s : stripes) {
            Object[] batch;
            synchronized (s) {
                if (s.size == 0) {
                    continue;
                }
                batch = new Object[s.size];
                int n = 0;
                for (Object v : s.values) {
                    if (v != null) {
                        batch[n++] = v;
                    }
                }
            }
            for (Object v : batch) {
                action.accept((V) v);
            }
        }
    }

    /** The values, a snapshot. */
    List<V> values() {
        List<V> all = new ArrayList<>();
        forEach(all::add);
        return all;
    }

    /** Frees slot {@code i}, shifting back later entries of its probe run so lookups still find them. */
    private void delete(Stripe s, int i) {
        long[] keys = s.keys;
        Object[] values = s.values;
        int mask = keys.length - 1;
        values[i] = null;
        int j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (values[j] == null) {
                break;
            }
            int k = home(mix(keys[j]), mask);
            // The entry at j may move to the hole at i unless its home lies cyclically in (i, j].
            boolean stays = i <= j ? i < k && k <= j : i < k || k <= j;
            if (!stays) {
                keys[i] = keys[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
        if (--s.size * 8 < keys.length && keys.length > MIN_CAPACITY) {
            resize(s, keys.length / 2);
        }
    }

    private static void resize(Stripe s, int capacity) {
        long[] oldKeys = s.keys;
        Object[] oldValues = s.values;
        s.keys = new long[capacity];
        s.values = new Object[capacity];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                int j = slot(s, oldKeys[i], mix(oldKeys[i]));
                s.keys[j] = oldKeys[i];
                s.values[j] = oldValues[i];
            }
        }
    }
}
