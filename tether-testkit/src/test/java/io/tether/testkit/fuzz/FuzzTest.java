package io.tether.testkit.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FuzzTest {

    @Test
    void passingPropertyRunsEveryTry() {
        List<Integer> seen = new ArrayList<>();
        Fuzz.Run run = Fuzz.property("ints in range", 500).check(1, src -> src.intBetween(-3, 7), v -> {
            seen.add(v);
            assertTrue(v >= -3 && v <= 7);
        });
        assertEquals(run.cases(), seen.size()); // 500, or -Dtether.fuzz.tries
        assertTrue(run.cases() >= 500 || System.getProperty(Fuzz.TRIES) != null);
        assertTrue(seen.contains(-3) && seen.contains(7), "both ends are reached");
    }

    @Test
    void aFailingCaseShrinksToTheSmallestCounterexample() {
        // Fails for any list holding a byte >= 100: the smallest such case is one byte, 100.
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.property("no big byte", 1000)
                .check(7, src -> src.bytes(50), b -> {
                    for (byte x : b) {
                        if ((x & 0xFF) >= 100) {
                            throw new IllegalStateException("big byte " + (x & 0xFF));
                        }
                    }
                }));
        assertTrue(e.getMessage().contains("1 B [64]"), e.getMessage());
        assertTrue(e.getMessage().contains("seed 7"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dtether.fuzz.seed=7"), e.getMessage());
        assertEquals(IllegalStateException.class, e.getCause().getClass());
        assertEquals("big byte 100", e.getCause().getMessage());
    }

    @Test
    void listsShrinkByDroppingElements() {
        AssertionError e = assertThrows(AssertionError.class, () -> Fuzz.property("short lists", 1000)
                .check(3, src -> src.list(0, 20, 6, s -> s.intBetween(0, 1000)), l -> {
                    if (l.size() >= 3) {
                        throw new IllegalStateException("long");
                    }
                }));
        assertTrue(e.getMessage().contains("[0, 0, 0]"), e.getMessage());
    }

    @Test
    void theSameSeedGeneratesTheSameCases() {
        List<byte[]> first = new ArrayList<>();
        List<byte[]> second = new ArrayList<>();
        Fuzz.property("a", 50).check(42, src -> src.bytes(20), first::add);
        Fuzz.property("a", 50).check(42, src -> src.bytes(20), second::add);
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(Fuzz.describe(first.get(i)), Fuzz.describe(second.get(i)));
        }
    }

    @Test
    void describeShowsRecordsListsAndBytes() {
        record Case(byte[] bytes, List<Integer> cuts) {
        }
        assertEquals("Case[bytes=2 B [0a ff], cuts=[1, 2]]", Fuzz.describe(new Case(new byte[] {10, -1}, List.of(1, 2))));
    }
}
