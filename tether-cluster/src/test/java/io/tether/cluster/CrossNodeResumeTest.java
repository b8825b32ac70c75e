package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.cluster.fixture.NodeProcess;
import io.tether.cluster.fixture.ResumeClient;
import io.tether.cluster.fixture.ResumeRig;
import io.tether.testkit.Requires;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Resume on any node, the node dying: three nodes (each its own JVM) on one redis-server,
 * {@code N} resumable clients, half of them on node C, the rest on A and B. Numbered messages
 * stream both ways (each client sends 1..M; the test sends 1..M to each user through the
 * cluster, one client after the other at an even pace); a third of the way through, right after a
 * round sent at once, C is killed with SIGKILL. Its clients must resume on a
 * survivor within the bound, and every stream must come out whole: each client receives 1..M once,
 * in order; each user's recorded arrivals are 1..M once, in order; no future fails.
 *
 * <p>A repeat is allowed only for what C's application had received and whose receipt had not
 * reached Redis when it died: such a message is delivered again on the survivor with the same
 * number, and the application's record refuses and counts it ({@code dup:<user>}). The test
 * checks that every repeat was a message its client had not had acknowledged at the kill (an
 * acknowledged one is in Redis and must never come again), that clients of A and B have none,
 * and reports the total.
 *
 * <p>The bound from the kill to the last of C's clients resumed: the client hears of the death at
 * once (the kernel resets a killed process's sockets) or, should that reset be lost, after
 * heartbeat + ping timeout; the survivor may have to wait until C's lease is over before it may
 * take C's sessions (lease + tick after C's last refresh); plus 2 s for a loaded 2-core machine.
 *
 * <p>CI size: 60 clients, 150 messages each way at 10 a second per client. The size:
 * {@code -Dtether.cluster.resumeClients=300}; also {@code tether.cluster.resumeMessages},
 * {@code tether.cluster.resumeRate}.
 */
@Requires(binaries = {"redis-server", "kill"})
class CrossNodeResumeTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration TICK = LEASE.dividedBy(3);
    private static final Duration WINDOW = Duration.ofSeconds(30);
    private static final Duration TOLERANCE = Duration.ofSeconds(2);
    private static final Duration RESUME_BOUND = LEASE.plus(TICK).plus(ResumeClient.HEARTBEAT).plus(ResumeClient.PING_TIMEOUT)
            .plus(TOLERANCE);
    private static final int CLIENTS = Integer.getInteger("tether.cluster.resumeClients", 60);
    private static final int MESSAGES = Integer.getInteger("tether.cluster.resumeMessages", 150);
    private static final int RATE = Integer.getInteger("tether.cluster.resumeRate", 10);

    @Test
    void sigkillMidStreamEveryClientResumesOnASurvivorAndEveryStreamIsWhole() throws Exception {
        List<String> ids = List.of("A", "B", "C");
        String victim = "C";
        try (ResumeRig rig = ResumeRig.start(ids, LEASE, WINDOW, 1024)) {
            // Even clients start on C (half of them), alternately failing over to A and to B; odd
            // ones start on A or B. Each list goes on round-robin from its first node.
            List<ResumeClient> clients = new ArrayList<>();
            Map<ResumeClient, String> home = new HashMap<>();
            for (int i = 0; i < CLIENTS; i++) {
                List<String> order = i % 2 == 0
                        ? ((i / 2) % 2 == 0 ? List.of("C", "A", "B") : List.of("C", "B", "A"))
                        : ((i / 2) % 2 == 0 ? List.of("A", "B", "C") : List.of("B", "C", "A"));
                ResumeClient c = rig.client("u" + i, order.stream().map(rig::endpoint).toList());
                clients.add(c);
                home.put(c, order.get(0));
            }
            rig.awaitOnline(CLIENTS, Duration.ofSeconds(60));
            for (ResumeClient c : clients) {
                assertThat(rig.nodeOfPort(c.connectedPorts().get(0))).as("first node of " + c.user).isEqualTo(home.get(c));
            }
            List<ResumeClient> onVictim = clients.stream().filter(c -> home.get(c).equals(victim)).toList();
            // Which of C's clients were still on C when it died: a node this loaded (1 event loop,
            // a synchronous Redis write per message) can fall silent for longer than a client's ping
            // timeout, and such a client moves off it before the kill (a live hand-over).
            Set<ResumeClient> onVictimAtKill = ConcurrentHashMap.newKeySet();

            AtomicInteger round = new AtomicInteger();
            List<String> clusterSendErrors = new CopyOnWriteArrayList<>();
            Map<String, Set<String>> unackedAtKill = new ConcurrentHashMap<>();
            AtomicLong killedAtRef = new AtomicLong();
            int killRound = MESSAGES / 3;
            NodeProcess dying = rig.node(victim);
            BiConsumer<ResumeClient, Integer> send = (c, n) -> {
                c.sendNext();
                rig.sendToUser(c.user, Integer.toString(n)).whenComplete((v, e) -> {
                    if (e != null) {
                        clusterSendErrors.add(c.user + " " + n + ": " + e);
                    }
                });
            };
            // One client per tick, so the load on Redis and the nodes is even (a whole round at once
            // is a burst of 2 x N commands): client i's number n goes at tick (n - 1) * N + i.
            AtomicLong tick = new AtomicLong();
            ScheduledExecutorService streams = Executors.newSingleThreadScheduledExecutor();
            streams.scheduleAtFixedRate(() -> {
                long t = tick.getAndIncrement();
                int n = (int) (t / CLIENTS) + 1;
                int i = (int) (t % CLIENTS);
                if (n > MESSAGES) {
                    return;
                }
                if (n == killRound) {
                    // This round goes at once and C dies right after it, so it dies with messages in
                    // flight both ways: some unread, some read and not yet receipted, some receipted
                    // and not yet acknowledged.
                    clients.forEach(c -> send.accept(c, n));
                    killedAtRef.set(System.nanoTime());
                    dying.kill();
                    // After the process is gone no acknowledgement can come from it: what is still
                    // open now is what C may not have handed to Redis.
                    int victimPort = dying.port();
                    for (ResumeClient x : clients) {
                        unackedAtKill.put(x.user, x.unacknowledged().stream().map(String::valueOf).collect(Collectors.toSet()));
                        if (home.get(x).equals(victim) && (x.connectedPort() == victimPort || x.connectedPort() < 0)) {
                            onVictimAtKill.add(x);
                        }
                    }
                    tick.addAndGet(CLIENTS - 1);
                    round.set(n);
                    return;
                }
                send.accept(clients.get(i), n);
                if (i == CLIENTS - 1) {
                    round.set(n);
                }
            }, 0, Math.max(1, 1_000_000_000L / ((long) RATE * CLIENTS)), TimeUnit.NANOSECONDS);

            long killedAt;
            try {
                await("the kill, a third of the way").atMost(Duration.ofSeconds(60)).until(() -> round.get() >= killRound);
                killedAt = killedAtRef.get();
                assertThat(dying.alive()).isFalse();

                try {
                    await("every client of " + victim + " resumed on a survivor").atMost(RESUME_BOUND.plus(Duration.ofSeconds(30)))
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> onVictimAtKill.stream().allMatch(c -> c.resumedAt().stream().anyMatch(t -> t > killedAt)));
                } catch (ConditionTimeoutException e) {
                    List<ResumeClient> stuck = onVictimAtKill.stream().filter(c -> c.resumedAt().stream().noneMatch(t -> t > killedAt))
                            .toList();
                    throw new AssertionError(stuck.size() + " of " + onVictimAtKill.size() + " clients on " + victim
                            + " not resumed; the first, with their new sessions and last state changes:\n"
                            + stuck.stream().limit(5).map(c -> c.user + " (" + c.client().state() + ", new sessions "
                                    + c.newSessions() + ", last number received " + c.lastNumber() + ", unacknowledged "
                                    + c.unacknowledged().size() + "): "
                                    + c.changes().subList(Math.max(0, c.changes().size() - 4), c.changes().size()))
                                    .collect(Collectors.joining("\n")), e);
                }
                long lastResume = onVictimAtKill.stream().mapToLong(c -> c.resumedAt().stream().filter(t -> t > killedAt).findFirst()
                        .orElseThrow()).max().orElseThrow();
                Duration took = Duration.ofNanos(lastResume - killedAt);
                System.out.printf("SIGKILL %s -> all %d of its clients resumed on a survivor: %d ms (bound lease %d + tick %d "
                        + "+ heartbeat %d + ping timeout %d + tolerance %d = %d ms); %d of its %d clients had left it before the kill%n",
                        victim, onVictimAtKill.size(), took.toMillis(),
                        LEASE.toMillis(), TICK.toMillis(), ResumeClient.HEARTBEAT.toMillis(), ResumeClient.PING_TIMEOUT.toMillis(),
                        TOLERANCE.toMillis(), RESUME_BOUND.toMillis(), onVictim.size() - onVictimAtKill.size(), onVictim.size());
                assertThat(took).isLessThanOrEqualTo(RESUME_BOUND);

                await("the whole stream sent").atMost(Duration.ofSeconds(120)).until(() -> round.get() >= MESSAGES);
            } finally {
                streams.shutdown();
                assertThat(streams.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
            await("every message both ways").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> clients.stream().allMatch(c -> c.allSendsDone() && c.lastNumber() >= MESSAGES));

            assertThat(clusterSendErrors).as("cluster sends that failed").isEmpty();
            List<String> survivors = ids.stream().filter(id -> !id.equals(victim)).toList();
            long dupTotal = 0;
            int dupClients = 0;
            for (ResumeClient c : clients) {
                assertThat(c.faults()).as("repeats or gaps seen by " + c.user).isEmpty();
                assertThat(c.numbersReceived()).as("numbers received by " + c.user + ", each once").isEqualTo(MESSAGES);
                assertThat(c.sendFailures()).as("failed sends of " + c.user).isEmpty();
                assertThat(c.loginSends()).as("login of " + c.user).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
                assertThat(c.newSessions()).as("sessions " + c.user + " started new").isEqualTo(1);
                assertThat(rig.records(c.user)).as("arrivals recorded for " + c.user)
                        .containsExactlyElementsOf(RoundRobinResumeTest.expectedArrivals(c.user, MESSAGES));
                long dups = rig.dups(c.user);
                if (home.get(c).equals(victim)) {
                    assertThat(survivors).as("node " + c.user + " resumed on").contains(rig.nodeOfPort(c.connectedPort()));
                    assertThat(rig.dupTexts(c.user)).as("repeats of " + c.user + ": only messages not acknowledged at the kill")
                            .isSubsetOf(unackedAtKill.get(c.user));
                    dupTotal += dups;
                    dupClients += dups > 0 ? 1 : 0;
                } else {
                    assertThat(dups).as("repeats of " + c.user + ", a client of a node that lived").isZero();
                }
            }
            for (ResumeClient c : clients) {
                assertThat(rig.status().nodesOf(c.user)).as("where " + c.user + " is online").isNotEmpty()
                        .allSatisfy((node, n) -> assertThat(survivors).contains(node));
            }
            long victimOffline = survivors.stream().mapToLong(id -> rig.node(id).events("EV offline " + victim + " ").size()).sum();
            int unackedTotal = unackedAtKill.entrySet().stream()
                    .filter(e -> onVictim.stream().anyMatch(c -> c.user.equals(e.getKey()))).mapToInt(e -> e.getValue().size()).sum();
            System.out.printf("%d clients (%d on %s), %d messages each way each: repeats caused by the kill: %d (on %d clients; "
                    + "%d messages of %s's clients were unacknowledged at the kill); cluster offline events for %s's sessions "
                    + "seen by the survivors: %d%n", CLIENTS, onVictim.size(), victim, MESSAGES, dupTotal, dupClients, unackedTotal,
                    victim, victim, victimOffline);
            survivors.forEach(id -> assertThat(rig.node(id).events("ERR")).as("errors on " + id).isEmpty());
        }
    }
}
