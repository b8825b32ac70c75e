package io.tether.core.liveness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
}
