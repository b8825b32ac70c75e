package io.tether.core.liveness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Drives the wheel with a fake clock, so every expectation is exact. */
class DeadlineWheelTest {
    private static final long MS = 1_000_000L;

    static final class Conn extends DeadlineWheel.Entry {
        final int id;
        long lastRead;
        Long expiredAt;

        Conn(int id, long lastRead) {
            this.id = id;
            this.lastRead = lastRead;
        }
    }

    private final long idle = 1000 * MS;
    private final List<Conn> expired = new ArrayList<>();
    private final DeadlineWheel<Conn> wheel = new DeadlineWheel<>(10 * MS, idle, 0, (c, now) -> {
        long deadline = c.lastRead + idle;
        if (now >= deadline) {
            c.expiredAt = now;
            expired.add(c);
            return DeadlineWheel.NONE;
        }
        return deadline;
    });

    private void runUntil(long until) {
        for (long t = 0; t <= until; t += MS) {
            wheel.advance(t);
        }
    }

    @Test
    void silentEntryExpiresWithinOneTickOfItsDeadline() {
        Conn c = new Conn(1, 3 * MS);
        wheel.schedule(c, c.lastRead + idle);
        runUntil(2000 * MS);
        assertThat(c.expiredAt).isBetween(1003 * MS, 1013 * MS);
        assertThat(wheel.size()).isZero();
    }

    @Test
    void touchedEntryIsRevisitedAtItsNewDeadlineNotExpired() {
        Conn c = new Conn(1, 0);
        wheel.schedule(c, idle);
        for (long t = 0; t <= 1500 * MS; t += MS) {
            if (t == 700 * MS) {
                c.lastRead = t; // a read: just a field write
            }
            wheel.advance(t);
        }
        assertThat(c.expiredAt).isNull();
        runUntil(1800 * MS);
        assertThat(c.expiredAt).isBetween(1700 * MS, 1710 * MS);
    }

    @Test
    void cancelledEntryNeverFires() {
        Conn a = new Conn(1, 0);
        Conn b = new Conn(2, 0);
        wheel.schedule(a, idle);
        wheel.schedule(b, idle);
        wheel.cancel(a);
        wheel.cancel(a);
        assertThat(wheel.size()).isEqualTo(1);
        runUntil(1100 * MS);
        assertThat(expired).containsExactly(b);
    }

    @Test
    void handlerMayCancelAnotherEntryOfTheSameSlot() {
        List<Integer> fired = new ArrayList<>();
        List<Conn> all = new ArrayList<>();
        DeadlineWheel<Conn>[] holder = new DeadlineWheel[1];
        holder[0] = new DeadlineWheel<>(10 * MS, idle, 0, (c, now) -> {
            fired.add(c.id);
            for (Conn other : all) {
                holder[0].cancel(other); // closing one connection closes its siblings
            }
            return DeadlineWheel.NONE;
        });
        for (int i = 0; i < 5; i++) {
            Conn c = new Conn(i, 0);
            all.add(c);
            holder[0].schedule(c, 500 * MS);
        }
        for (long t = 0; t <= 600 * MS; t += MS) {
            holder[0].advance(t);
        }
        assertThat(fired).hasSize(1);
        assertThat(holder[0].size()).isZero();
    }

    @Test
    void deadlinesBeyondOneTurnWaitForTheirTurn() {
        DeadlineWheel<Conn> small = new DeadlineWheel<>(10 * MS, 100 * MS, 0, (c, now) -> {
            c.expiredAt = now;
            return DeadlineWheel.NONE;
        });
        Conn c = new Conn(1, 0);
        small.schedule(c, 5000 * MS); // many turns of a 16-slot wheel
        for (long t = 0; t <= 6000 * MS; t += MS) {
            small.advance(t);
        }
        assertThat(c.expiredAt).isBetween(5000 * MS, 5010 * MS);
    }

    @Test
    void aStalledClockCatchesUpInOneCall() {
        Conn c = new Conn(1, 0);
        wheel.schedule(c, idle);
        wheel.advance(0);
        assertThat(wheel.advance(10_000 * MS)).isEqualTo(1);
        assertThat(c.expiredAt).isEqualTo(10_000 * MS);
    }

    @Test
    void tenThousandEntriesExpireEachOnce() {
        for (int i = 0; i < 10_000; i++) {
            Conn c = new Conn(i, i * MS / 10);
            wheel.schedule(c, c.lastRead + idle);
        }
        runUntil(3000 * MS);
        assertThat(expired).hasSize(10_000);
        assertThat(expired.stream().mapToInt(c -> c.id).distinct().count()).isEqualTo(10_000);
        for (Conn c : expired) {
            assertThat(c.expiredAt - (c.lastRead + idle)).isBetween(0L, 10 * MS);
        }
    }

    // ------------------------------------------------------------------ driven only when due (nextDueNanos)

    @Test
    void anEmptyWheelHasNothingDue() {
        assertThat(wheel.nextDueNanos()).isEqualTo(DeadlineWheel.NONE);
        Conn c = new Conn(1, 0);
        wheel.schedule(c, idle);
        wheel.cancel(c);
        assertThat(wheel.nextDueNanos()).isEqualTo(DeadlineWheel.NONE);
    }

    @Test
    void nextDueIsTheFirstTickAtOrAfterTheEarliestDeadline() {
        Conn late = new Conn(1, 0);
        Conn early = new Conn(2, 0);
        wheel.schedule(late, 900 * MS);
        assertThat(wheel.nextDueNanos()).isEqualTo(900 * MS);
        wheel.schedule(early, 403 * MS); // between ticks: the wheel looks at the next one
        assertThat(wheel.nextDueNanos()).isEqualTo(410 * MS);
        wheel.cancel(early);
        assertThat(wheel.nextDueNanos()).isEqualTo(900 * MS);
    }

    @Test
    void anOwnerThatWakesOnlyWhenDueClosesEachEntryWithinOneTick() {
        for (int i = 0; i < 1000; i++) {
            Conn c = new Conn(i, i * MS / 4);
            wheel.schedule(c, c.lastRead + idle);
        }
        int wakeUps = 0;
        for (long next; (next = wheel.nextDueNanos()) != DeadlineWheel.NONE; wakeUps++) {
            wheel.advance(next);
        }
        assertThat(expired).hasSize(1000);
        for (Conn c : expired) {
            assertThat(c.expiredAt - (c.lastRead + idle)).isBetween(0L, 10 * MS - 1);
        }
        // deadlines spread over 250 ms: one wake-up per occupied 10 ms tick (26), not 125 ticks from 0
        assertThat(wakeUps).isLessThanOrEqualTo(26);
    }

    @Test
    void aDeadlineBeyondOneTurnIsLookedAtOncePerTurnAndMetWithinOneTick() {
        List<Long> visits = new ArrayList<>();
        DeadlineWheel<Conn> small = new DeadlineWheel<>(10 * MS, 100 * MS, 0, (c, now) -> {
            visits.add(now);
            c.expiredAt = now;
            return DeadlineWheel.NONE;
        });
        Conn c = new Conn(1, 0);
        small.schedule(c, 5003 * MS); // a 16-slot wheel turns every 160 ms
        int wakeUps = 0;
        for (long next; (next = small.nextDueNanos()) != DeadlineWheel.NONE; wakeUps++) {
            small.advance(next);
        }
        assertThat(visits).containsExactly(5010 * MS);
        assertThat(wakeUps).isBetween(31, 33); // 5.01 s / 160 ms: once per turn, cheap
    }

    /**
     * A model check: random schedules, reschedules from handlers (to later, to now, to other
     * entries), cancels and reads, with the wheel advanced only at the times it asks for. Every
     * entry is visited at or after its deadline and at most one tick later (plus however late the
     * owner woke), exactly once per scheduling, and never when cancelled.
     */
    @Test
    void randomWorkloadDrivenOnlyWhenDueMeetsEveryDeadlineWithinOneTick() {
        for (int seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            long tick = 10 * MS;
            Map<Conn, Long> due = new HashMap<>(); // the model: what each scheduled entry waits for
            List<Conn> all = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            long[] clock = {0};
            long[] lag = {0}; // how late the owner woke this time, past the tick the wheel asked for
            @SuppressWarnings("unchecked")
            DeadlineWheel<Conn>[] w = new DeadlineWheel[1];
            w[0] = new DeadlineWheel<>(tick, 2000 * MS, 0, (c, now) -> {
                Long want = due.remove(c);
                if (want == null) {
                    errors.add("visited an entry that is not scheduled: " + c.id);
                } else if (now < want || now - want > tick + lag[0]) {
                    errors.add("entry " + c.id + " due " + want + " visited at " + now);
                }
                int what = rnd.nextInt(4);
                if (what == 0) { // reschedule another entry, possibly earlier than anything
                    Conn other = all.get(rnd.nextInt(all.size()));
                    if (other != c) {
                        long at = now + rnd.nextInt(3000) * MS / 2;
                        w[0].schedule(other, at);
                        due.put(other, at);
                    }
                } else if (what == 1) { // cancel another entry
                    Conn other = all.get(rnd.nextInt(all.size()));
                    if (other != c) {
                        w[0].cancel(other);
                        due.remove(other);
                    }
                }
                if (rnd.nextBoolean()) {
                    long again = now + rnd.nextInt(4000) * MS; // past one turn (256 slots, 2.56 s) now and then
                    due.put(c, again);
                    return again;
                }
                return DeadlineWheel.NONE;
            });
            for (int i = 0; i < 300; i++) {
                Conn c = new Conn(i, 0);
                all.add(c);
                long at = rnd.nextInt(5000) * MS / 7;
                w[0].schedule(c, at);
                due.put(c, at);
            }
            for (int steps = 0; steps < 5000 && w[0].nextDueNanos() != DeadlineWheel.NONE; steps++) {
                long next = w[0].nextDueNanos();
                assertThat(next).as("the wheel never asks to go back in time").isGreaterThanOrEqualTo(clock[0]);
                // Now and then the owner is late (a busy loop) or schedules from outside between wake-ups.
                clock[0] = rnd.nextInt(10) == 0 ? next + rnd.nextInt(30) * MS : next;
                if (rnd.nextInt(10) == 0) {
                    Conn c = all.get(rnd.nextInt(all.size()));
                    long at = clock[0] + rnd.nextInt(2000) * MS;
                    w[0].schedule(c, at);
                    due.put(c, at);
                }
                lag[0] = clock[0] - next;
                w[0].advance(clock[0]);
            }
            assertThat(errors).as("seed " + seed).isEmpty();
            assertThat(due).as("seed " + seed + ": scheduled but never visited").isEmpty();
            assertThat(w[0].size()).isZero();
        }
    }
}
