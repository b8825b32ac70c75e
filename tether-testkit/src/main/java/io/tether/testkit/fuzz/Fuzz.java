package io.tether.testkit.fuzz;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small property-based test harness: a bounded number of generated cases per property, a seed
 * that reproduces a run, and shrinking of a failing case to a small one.
 *
 * <pre>{@code
 * @Test
 * void decodeOnlyThrowsProtocolException() {
 *     Fuzz.property("decode", 3000)
 *         .check(src -> src.bytes(200), bytes -> { ... assertions ... });
 * }
 * }</pre>
 *
 * <p>Each run draws a fresh seed, so CI explores new inputs every time within the same budget, and
 * prints one line per property with the seed, the cases run and the time taken. A failure throws an
 * AssertionError naming the seed, the failing try and the shrunk case, with the shrunk case's own
 * failure as the cause. System properties steer a run without editing a test:
 * <ul>
 *   <li>{@code -Dtether.fuzz.seed=S}: use seed {@code S} (the seed a failure report printed) to
 *       reproduce a run; add {@code -Dtest=ThatTest#thatMethod} to run only that property;</li>
 *   <li>{@code -Dtether.fuzz.tries=N}: run {@code N} cases per property instead of each property's
 *       bounded CI budget (a long local fuzzing session).</li>
 * </ul>
 * Maven passes {@code -D} properties of its command line on to the test JVM.
 *
 * Test classes that use it carry a {@code @Timeout} sized for CI's budget; a long local run adds
 * {@code -Djunit.jupiter.execution.timeout.mode=disabled}.
 *
 * <p>Why not jqwik: from version 1.10 its maintainer asks that it not be used with AI coding agents,
 * and this harness was written by one (README, "The tests").
 */
public final class Fuzz {
    public static final String SEED = "tether.fuzz.seed";
    public static final String TRIES = "tether.fuzz.tries";

    /** Shrinking stops after this many replays of edited choices, or this long, keeping the simplest failure so far. */
    private static final int SHRINK_ATTEMPTS = 5_000;
    private static final long SHRINK_NANOS = 10_000_000_000L;

    private final String name;
    private final int tries;

    private Fuzz(String name, int tries) {
        this.name = name;
        this.tries = tries;
    }

    /** A property called {@code name}, run {@code tries} times (unless -Dtether.fuzz.tries says otherwise). */
    public static Fuzz property(String name, int tries) {
        String override = System.getProperty(TRIES, "").trim();
        return new Fuzz(name, override.isEmpty() ? tries : Integer.parseInt(override));
    }

    /** What a run did: for reports and for tests of the harness. */
    public record Run(String name, long seed, int cases, long nanos) {
        @Override
        public String toString() {
            return String.format("fuzz %s: %d cases in %.2f s (seed %d)", name, cases, nanos / 1e9, seed);
        }
    }

    /**
     * Generates {@link #tries} cases with {@code generator} and checks each with {@code property},
     * which fails by throwing anything. Returns what ran; throws an AssertionError for the first
     * failing case, shrunk.
     */
    public <T> Run check(Function<Source, T> generator, Consumer<T> property) {
        String fixed = System.getProperty(SEED, "").trim();
        long seed = fixed.isEmpty() ? ThreadLocalRandom.current().nextLong() : Long.parseLong(fixed);
        return check(seed, generator, property);
    }

    /** As {@link #check(Function, Consumer)} with a given seed. */
    public <T> Run check(long seed, Function<Source, T> generator, Consumer<T> property) {
        SplittableRandom master = new SplittableRandom(seed);
        long start = System.nanoTime();
        for (int i = 1; i <= tries; i++) {
            Source src = Source.random(master.split());
            T value = generator.apply(src);
            Throwable failure = run(property, value);
            if (failure != null) {
                throw shrunkFailure(seed, i, src.choices(), value, failure, generator, property);
            }
        }
        Run run = new Run(name, seed, tries, System.nanoTime() - start);
        System.out.println(run);
        return run;
    }

    private static <T> Throwable run(Consumer<T> property, T value) {
        try {
            property.accept(value);
            return null;
        } catch (Throwable t) { // OutOfMemoryError, StackOverflowError and the like are findings too
            return t;
        }
    }

    private <T> AssertionError shrunkFailure(long seed, int attempt, long[] choices, T value, Throwable failure,
                                             Function<Source, T> generator, Consumer<T> property) {
        Shrinker<T> s = new Shrinker<>(generator, property, failure.getClass());
        s.best = choices;
        s.value = value;
        s.failure = failure;
        s.shrink();
        AssertionError e = new AssertionError(String.format(
                "property '%s' failed on try %d of %d (seed %d), shrunk in %d steps to:%n  %s%n"
                        + "failure: %s%nreproduce with -D%s=%d (and -Dtest=<class>#<method>)",
                name, attempt, tries, seed, s.steps, describe(s.value), s.failure, SEED, seed), s.failure);
        if (s.failure != failure) {
            e.addSuppressed(new AssertionError("the unshrunk case was: " + describe(value), failure));
        }
        return e;
    }

    /** Shrinks a failing choice sequence: drop blocks of choices, then make single choices smaller. */
    private static final class Shrinker<T> {
        private final Function<Source, T> generator;
        private final Consumer<T> property;
        private final Class<?> failureClass;
        private final long deadline = System.nanoTime() + SHRINK_NANOS;
        long[] best;
        T value;
        Throwable failure;
        int steps;
        private int attempts;

        Shrinker(Function<Source, T> generator, Consumer<T> property, Class<?> failureClass) {
            this.generator = generator;
            this.property = property;
            this.failureClass = failureClass;
        }

        void shrink() {
            boolean progress = true;
            while (progress && budgetLeft()) {
                progress = false;
                for (int k = 32; k >= 1; k /= 2) {
                    for (int i = best.length - k; i >= 0 && budgetLeft(); i--) {
                        if (i + k <= best.length && tryChoices(delete(best, i, k))) {
                            progress = true;
                        }
                    }
                }
                for (int k = 16; k >= 2; k /= 2) {
                    for (int i = 0; i + k <= best.length && budgetLeft(); i += k) {
                        if (!allZero(best, i, k) && tryChoices(zero(best, i, k))) {
                            progress = true;
                        }
                    }
                }
                for (int i = 0; i < best.length && budgetLeft(); i++) {
                    long v = best[i];
                    if (v == 0) {
                        continue;
                    }
                    if (tryChoices(with(best, i, 0)) || tryChoices(with(best, i, v >>> 1))
                            || tryChoices(with(best, i, v - 1))) {
                        progress = true;
                    }
                }
            }
        }

        private boolean budgetLeft() {
            return attempts < SHRINK_ATTEMPTS && System.nanoTime() < deadline;
        }

        /** Accepts {@code candidate} when it still fails the same way and is simpler than the best so far. */
        private boolean tryChoices(long[] candidate) {
            attempts++;
            Source src = Source.replay(candidate);
            T v;
            try {
                v = generator.apply(src);
            } catch (RuntimeException e) {
                return false; // not a case the generator can make
            }
            long[] used = src.choices();
            if (!simpler(used, best)) {
                return false;
            }
            Throwable t = run(property, v);
            if (t == null || t.getClass() != failureClass) {
                return false;
            }
            best = used;
            value = v;
            failure = t;
            steps++;
            return true;
        }

        /** Shorter, or as long and smaller at the first difference (unsigned). */
        private static boolean simpler(long[] a, long[] b) {
            if (a.length != b.length) {
                return a.length < b.length;
            }
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    return Long.compareUnsigned(a[i], b[i]) < 0;
                }
            }
            return false;
        }

        private static long[] delete(long[] a, int at, int n) {
            long[] out = new long[a.length - n];
            System.arraycopy(a, 0, out, 0, at);
            System.arraycopy(a, at + n, out, at, a.length - at - n);
            return out;
        }

        private static boolean allZero(long[] a, int at, int n) {
            for (int i = at; i < at + n; i++) {
                if (a[i] != 0) {
                    return false;
                }
            }
            return true;
        }

        private static long[] zero(long[] a, int at, int n) {
            long[] out = a.clone();
            Arrays.fill(out, at, at + n, 0);
            return out;
        }

        private static long[] with(long[] a, int at, long v) {
            long[] out = a.clone();
            out[at] = v;
            return out;
        }
    }

    /** A readable form of a generated value: byte arrays in hex; lists, arrays and records part by part. */
    public static String describe(Object value) {
        if (value instanceof Record r) {
            StringBuilder sb = new StringBuilder(r.getClass().getSimpleName()).append('[');
            RecordComponent[] parts = r.getClass().getRecordComponents();
            for (int i = 0; i < parts.length; i++) {
                Object part;
                try {
                    Method accessor = parts[i].getAccessor();
                    accessor.setAccessible(true);
                    part = accessor.invoke(r);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    part = "?";
                }
                sb.append(i > 0 ? ", " : "").append(parts[i].getName()).append('=').append(describe(part));
            }
            return sb.append(']').toString();
        }
        if (value instanceof byte[] b) {
            return b.length + " B [" + HexFormat.ofDelimiter(" ").formatHex(b) + "]";
        }
        if (value != null && value.getClass().isArray()) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(value); i++) {
                sb.append(i > 0 ? ", " : "").append(describe(Array.get(value, i)));
            }
            return sb.append(']').toString();
        }
        if (value instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(describe(l.get(i)));
            }
            return sb.append(']').toString();
        }
        return Objects.toString(value);
    }
}
