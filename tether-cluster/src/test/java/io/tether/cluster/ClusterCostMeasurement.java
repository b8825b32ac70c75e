package io.tether.cluster;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tether.cluster.fixture.LineClient;
import io.tether.testkit.Requires;
import io.tether.testkit.process.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: measures what the cluster costs Redis (commands per connect, per routed message, per
 * idle second, from Redis's INFO commandstats, which counts the commands scripts call too) and the
 * latency and rate of a cross-node {@code sendToUser} against a same-node one. Two nodes in this
 * JVM, default lease (10 s), one redis-server. Run:
 * {@code ./mvnw -B -q -o -pl tether-cluster -am test -Dtest=ClusterCostMeasurement -Dtether.cluster.measure=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "tether.cluster.measure", matches = "true")
@Requires(binaries = "redis-server")
class ClusterCostMeasurement {
    private static final int CLIENTS = 200;
    private static final int MESSAGES = 2000;
    private static final int IDLE_SECONDS = 30;
    private static final int SAMPLES = 2000;
    private static final int RATE_MESSAGES = 20_000;
    private static final int WINDOW = 256;

    @Test
    void measure() throws Exception {
        try (RedisServer redis = RedisServer.start(0);
                ClusterNodeMain a = new ClusterNodeMain(redis.uri(), "A", ClusterConfig.DEFAULT_LEASE);
                ClusterNodeMain b = new ClusterNodeMain(redis.uri(), "B", ClusterConfig.DEFAULT_LEASE)) {
            RedisClient rc = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> stats = rc.connect()) {
                List<LineClient> clients = new ArrayList<>();
                stats.sync().configResetstat();
                for (int i = 0; i < CLIENTS; i++) {
                    LineClient c = new LineClient("u" + i, a.port());
                    c.send("login u" + i);
                    clients.add(c);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> a.cluster.sessionCount() == CLIENTS);
                Map<String, Long> connect = commandstats(stats);
                report("per connect + login (bind)", connect, CLIENTS);

                stats.sync().configResetstat();
                for (int i = 0; i < MESSAGES; i++) {
                    b.cluster.sendToUser("u" + (i % CLIENTS), "m" + i);
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> clients.stream().mapToInt(c -> c.with("m").size()).sum() == MESSAGES);
                report("per routed sendToUser (2 nodes)", commandstats(stats), MESSAGES);

                stats.sync().configResetstat();
                long t0 = System.nanoTime();
                await().pollDelay(Duration.ofSeconds(IDLE_SECONDS)).atMost(Duration.ofSeconds(IDLE_SECONDS + 5)).until(() -> true);
                double idle = (System.nanoTime() - t0) / 1e9;
                report("per idle second (2 nodes, lease 10 s)", commandstats(stats), idle);

                stats.sync().configResetstat();
                clients.forEach(LineClient::close);
                await().atMost(Duration.ofSeconds(60)).until(() -> a.cluster.sessionCount() == 0);
                report("per disconnect (session end)", commandstats(stats), CLIENTS);

                // latency: one message at a time, from send to the client's read
                LineClient onA = new LineClient("near", a.port());
                onA.send("login near");
                LineClient onB = new LineClient("far", b.port());
                onB.send("login far");
                await().until(() -> a.cluster.isOnline("near") && a.cluster.isOnline("far"));
                latency("same node: server.sessions().sendToUser (local, no Redis)", onA, i -> a.server.sessions().sendToUser("near", "l" + i));
                latency("same node: cluster.sendToUser (through Redis)", onA, i -> a.cluster.sendToUser("near", "c" + i));
                latency("cross node: cluster.sendToUser A -> B", onB, i -> a.cluster.sendToUser("far", "x" + i));
                rate("same node: cluster.sendToUser", onA, i -> a.cluster.sendToUser("near", "r" + i), "r");
                rate("cross node: cluster.sendToUser A -> B", onB, i -> a.cluster.sendToUser("far", "y" + i), "y");
                rate("same node: server.sessions().sendToUser (local, no Redis)", onA,
                        i -> java.util.concurrent.CompletableFuture.completedFuture((long) a.server.sessions().sendToUser("near", "z" + i)), "z");
                onA.close();
                onB.close();
            } finally {
                rc.shutdown();
            }
        }
    }

    private static void latency(String what, LineClient to, java.util.function.IntConsumer send) {
        to.received.clear();
        long[] ns = new long[SAMPLES];
        int before = 0;
        for (int i = 0; i < SAMPLES; i++) {
            int want = before + i + 1;
            long t = System.nanoTime();
            send.accept(i);
            while (to.received.size() < want) {
                Thread.onSpinWait();
            }
            ns[i] = System.nanoTime() - t;
        }
        Arrays.sort(ns);
        System.out.printf(Locale.ROOT, "MEASURE latency %s: p50 %.0f us, p99 %.0f us, max %.0f us (%d sequential sends)%n", what,
                ns[SAMPLES / 2] / 1e3, ns[SAMPLES * 99 / 100] / 1e3, ns[SAMPLES - 1] / 1e3, SAMPLES);
    }

    /** At most {@link #WINDOW} sends in flight: a burst beyond the command timeout would be failed by Lettuce, not sent. */
    private static void rate(String what, LineClient to, java.util.function.IntFunction<java.util.concurrent.CompletableFuture<Long>> send,
            String prefix) {
        to.received.clear();
        long t = System.nanoTime();
        java.util.ArrayDeque<java.util.concurrent.CompletableFuture<Long>> inFlight = new java.util.ArrayDeque<>();
        for (int i = 0; i < RATE_MESSAGES; i++) {
            inFlight.add(send.apply(i));
            if (inFlight.size() >= WINDOW) {
                inFlight.poll().join();
            }
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5)).until(() -> to.with(prefix).size() == RATE_MESSAGES);
        double s = (System.nanoTime() - t) / 1e9;
        System.out.printf(Locale.ROOT, "MEASURE rate %s: %,d messages in %.2f s = %,.0f messages/s%n", what, RATE_MESSAGES, s, RATE_MESSAGES / s);
    }

    static Map<String, Long> commandstats(StatefulRedisConnection<String, String> c) {
        Map<String, Long> m = new TreeMap<>();
        for (String line : c.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring(8, line.indexOf(':'));
                long calls = Long.parseLong(line.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
                m.put(name, calls);
            }
        }
        m.remove("config");
        m.remove("info");
        return m;
    }

    private static void report(String what, Map<String, Long> stats, double per) {
        long evals = stats.getOrDefault("eval", 0L);
        long all = stats.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder detail = new StringBuilder();
        stats.forEach((k, v) -> detail.append(String.format(Locale.ROOT, " %s %.2f", k, v / per)));
        System.out.printf(Locale.ROOT, "MEASURE redis %s: %.2f EVAL, %.2f commands in all (inside scripts included):%s%n",
                what, evals / per, all / per, detail);
    }
}
