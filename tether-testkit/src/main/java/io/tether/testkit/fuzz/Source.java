package io.tether.testkit.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Where a generator gets its randomness. Every draw is recorded as one choice, a number from 0 up
 * to the draw's bound, and 0 is always the simplest answer (the low end of a range, the first
 * option, an empty or short list, a zero byte). {@link Fuzz} finds a failing case with random
 * choices and then shrinks it by replaying edited choice sequences (shorter, smaller) through the
 * same generator, so any generator written against this class shrinks without its own shrinker.
 * When a replayed sequence runs out, every further draw answers 0.
 */
public final class Source {
    private final SplittableRandom random;
    private final long[] replay;
    private long[] drawn = new long[64];
    private int count;

    private Source(SplittableRandom random, long[] replay) {
        this.random = random;
        this.replay = replay;
    }

    static Source random(SplittableRandom random) {
        return new Source(random, null);
    }

    static Source replay(long[] choices) {
        return new Source(null, choices);
    }

    /** The choices drawn so far. */
    long[] choices() {
        return Arrays.copyOf(drawn, count);
    }

    /**
     * The primitive draw: a number in {@code [0, bound)}, read unsigned; {@code bound} 0 stands for
     * 2^64 (any long).
     */
    private long draw(long bound) {
        long v;
        if (replay == null) {
            v = bound == 0 ? random.nextLong() : Long.remainderUnsigned(random.nextLong(), bound);
        } else {
            v = count < replay.length ? replay[count] : 0;
            if (bound != 0 && Long.compareUnsigned(v, bound) >= 0) {
                v = Long.remainderUnsigned(v, bound);
            }
        }
        if (count == drawn.length) {
            drawn = Arrays.copyOf(drawn, count * 2);
        }
        drawn[count++] = v;
        return v;
    }

    /** Any long (shrinks towards 0). */
    public long anyLong() {
        return draw(0);
    }

    /** A long in {@code [lo, hi]} (shrinks towards {@code lo}). */
    public long longBetween(long lo, long hi) {
        if (hi < lo) {
            throw new IllegalArgumentException(lo + " > " + hi);
        }
        return lo + draw(hi - lo + 1); // hi - lo + 1 wraps to 0 for the full range: any long
    }

    /** An int in {@code [lo, hi]} (shrinks towards {@code lo}). */
    public int intBetween(int lo, int hi) {
        return (int) longBetween(lo, hi);
    }

    /** An int in {@code [lo, hi]}, one time in four one of the ends or their neighbours. */
    public int edgyInt(int lo, int hi) {
        if (weighted(3, 1) == 0) {
            return intBetween(lo, hi);
        }
        long[] edges = {lo, (long) lo + 1, (long) hi - 1, hi};
        return (int) Math.min(hi, Math.max(lo, edges[intBetween(0, 3)]));
    }

    public boolean bool() {
        return draw(2) == 1;
    }

    /** An index into {@code weights}, each chosen with its weight's share (shrinks towards index 0). */
    public int weighted(int... weights) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        long v = draw(total);
        for (int i = 0; i < weights.length; i++) {
            v -= weights[i];
            if (v < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** One of {@code options} (shrinks towards the first). */
    @SafeVarargs
    public final <T> T pick(T... options) {
        return options[intBetween(0, options.length - 1)];
    }

    public <T> T pick(List<T> options) {
        return options.get(intBetween(0, options.size() - 1));
    }

    /** One of {@code generators}' results (shrinks towards the first generator). */
    @SafeVarargs
    public final <T> T oneOf(Function<Source, ? extends T>... generators) {
        return generators[intBetween(0, generators.length - 1)].apply(this);
    }

    /**
     * A list of {@code min} to {@code max} elements, about {@code average} long. Each element past
     * the minimum is preceded by a "one more" choice, so shrinking can drop any element (its
     * choices and that flag) and an exhausted replay ends the list.
     */
    public <T> List<T> list(int min, int max, int average, Function<Source, ? extends T> element) {
        List<T> out = new ArrayList<>();
        while (out.size() < max && (out.size() < min || draw(average + 1) != 0)) {
            out.add(element.apply(this));
        }
        return out;
    }

    /** Up to {@code maxLength} arbitrary bytes (the length uniform; shrinks to fewer and to zeros). */
    public byte[] bytes(int maxLength) {
        return bytes(0, maxLength);
    }

    public byte[] bytes(int minLength, int maxLength) {
        int n = intBetween(minLength, maxLength);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) draw(256);
        }
        return b;
    }
}
