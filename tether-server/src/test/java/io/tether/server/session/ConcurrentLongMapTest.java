package io.tether.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConcurrentLongMapTest {

    @Test
    void behavesLikeAMapUnderRandomOperations() {
        ConcurrentLongMap<String> map = new ConcurrentLongMap<>();
        Map<Long, String> model = new HashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        for (int op = 0; op < 400_000; op++) {
            // A small key range makes long probe runs, collisions, deletes inside runs, grow and shrink.
            long key = random.nextInt(3) == 0 ? random.nextLong() : random.nextInt(2_000) - 1_000;
            String value = "v" + op;
            switch (random.nextInt(5)) {
                case 0, 1 -> assertThat(map.put(key, value)).isEqualTo(model.put(key, value));
                case 2 -> assertThat(map.remove(key)).isEqualTo(model.remove(key));
                case 3 -> {
                    String current = model.get(key);
                    String expected = current != null && random.nextBoolean() ? current : "other";
                    boolean removed = map.remove(key, expected);
                    assertThat(removed).isEqualTo(current != null && current == expected);
                    if (removed) {
                        model.remove(key);
                    }
                }
                default -> assertThat(map.get(key)).isEqualTo(model.get(key));
            }
            if (op % 50_000 == 0) {
                assertThat(map.size()).isEqualTo(model.size());
                List<String> values = map.values();
                assertThat(values).hasSize(model.size()); // values are unique: same size and set means same
                assertThat(new HashSet<>(values)).isEqualTo(new HashSet<>(model.values()));
            }
        }
        for (Map.Entry<Long, String> e : model.entrySet()) {
            assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
        }
        for (Long k : List.copyOf(model.keySet())) {
            assertThat(map.remove(k)).isEqualTo(model.remove(k));
        }
        assertThat(map.size()).isZero();
        assertThat(map.values()).isEmpty();
    }

    @Test
    void threadsAddingAndRemovingTheirOwnKeysNeverSeeEachOthersEntriesWrong() throws Exception {
        ConcurrentLongMap<Long> map = new ConcurrentLongMap<>();
        int threads = 4;
        int perThread = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<String> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = (long) t * perThread;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                        for (long k = base; k < base + perThread; k++) {
                            map.put(k, k);
                        }
                        for (long k = base; k < base + perThread; k++) {
                            Long v = map.get(k);
                            if (v == null || v != k) {
                                failure.compareAndSet(null, "get " + k + " = " + v);
                            }
                        }
                        for (long k = base; k < base + perThread; k += 2) {
                            if (!map.remove(k, map.get(k))) {
                                failure.compareAndSet(null, "remove " + k);
                            }
                        }
                        for (long k = base + 1; k < base + perThread; k += 2) {
                            if (map.remove(k) == null) {
                                failure.compareAndSet(null, "remove " + k);
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(map.size()).isZero();
    }
}
