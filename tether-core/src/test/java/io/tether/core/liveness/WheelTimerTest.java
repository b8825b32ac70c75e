package io.tether.core.liveness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one-shot timer on a real executor and clock: it sleeps while nothing is due, fires for the
 * earliest slot, and moves earlier when an earlier deadline arrives. Timing bounds leave room for
 * a loaded machine: a visit is never early (exact) and at most one 10 ms tick plus 250 ms of
 * scheduling delay late; wake-up counts are exact or bounded far below fixed-rate ticking.
 */
class WheelTimerTest {
    private static final long MS = 1_000_000L;
    private static final long TICK = 10 * MS;
    private static final long SLACK = 250 * MS;

    static final class Entry extends DeadlineWheel.Entry {
        final long due;

        Entry(long due) {
            this.due = due;
        }
    }

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final ConcurrentHashMap<Entry, Long> visited = new ConcurrentHashMap<>();
    private final WheelTimer<Entry> timer = new WheelTimer<>(
            new DeadlineWheel<>(TICK, 5_000 * MS, System.nanoTime(), (e, now) -> {
                visited.put(e, now);
                return DeadlineWheel.NONE;
            }), loop, System::nanoTime, true);

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    private <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    @Test
    void anEmptyWheelArmsNothing() throws Exception {
        Entry e = new Entry(System.nanoTime() + 1000 * MS);
        onLoop(() -> {
            timer.arm();
            return null;
        });
        assertThat(onLoop(timer::isArmed)).isFalse();
        onLoop(() -> {
            timer.schedule(e, e.due);
            timer.cancel(e);
            return null;
        });
        // The cancelled entry's timer wakes once, finds nothing, and arms nothing more.
        await().atMost(Duration.ofSeconds(5)).until(() -> timer.wakeUps() == 1);
        assertThat(onLoop(timer::isArmed)).isFalse();
        assertThat(visited).isEmpty();
    }

    @Test
    void oneSilentEntryCostsOneWakeUpNotOnePerTick() throws Exception {
        Entry e = new Entry(System.nanoTime() + 300 * MS);
        onLoop(() -> {
            timer.schedule(e, e.due);
            return null;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> visited.containsKey(e));
        long late = visited.get(e) - e.due;
        assertThat(late).isBetween(0L, TICK + SLACK);
        assertThat(timer.wakeUps()).isEqualTo(1); // fixed-rate ticking: 30
        assertThat(onLoop(timer::isArmed)).isFalse();
    }

    @Test
    void anEarlierDeadlineMovesTheTimerEarlier() throws Exception {
        long now = System.nanoTime();
        Entry far = new Entry(now + 60_000 * MS);
        Entry near = new Entry(now + 100 * MS);
        onLoop(() -> {
            timer.schedule(far, far.due);
            timer.schedule(near, near.due);
            return null;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> visited.containsKey(near));
        assertThat(visited.get(near) - near.due).isBetween(0L, TICK + SLACK);
        assertThat(visited).doesNotContainKey(far);
        assertThat(timer.wakeUps()).isEqualTo(1);
        assertThat(onLoop(timer::isArmed)).as("still armed for the far entry").isTrue();
        onLoop(() -> {
            timer.cancel(far);
            timer.disarm();
            return null;
        });
    }

    @Test
    void aForeignClockIsPolledEveryTickWhileSomethingIsOnTheWheel() throws Exception {
        AtomicLong simulated = new AtomicLong();
        WheelTimer<Entry> polled = new WheelTimer<>(new DeadlineWheel<>(TICK, 5_000 * MS, 0, (e, now) -> {
            visited.put(e, now);
            return DeadlineWheel.NONE;
        }), loop, simulated::get, false);
        Entry e = new Entry(3_600_000 * MS); // an hour of simulated time
        onLoop(() -> {
            polled.schedule(e, e.due);
            return null;
        });
        simulated.set(3_600_000 * MS);
        await().atMost(Duration.ofSeconds(5)).until(() -> visited.containsKey(e));
        assertThat(visited.get(e)).isEqualTo(3_600_000 * MS);
        await().atMost(Duration.ofSeconds(5)).until(() -> !onLoop(polled::isArmed));
    }
}
