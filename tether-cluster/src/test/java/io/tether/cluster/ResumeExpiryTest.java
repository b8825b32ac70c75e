package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tether.client.ConnectionLostException;
import io.tether.client.StateChange;
import io.tether.cluster.fixture.BlipProxy;
import io.tether.cluster.fixture.NodeProcess;
import io.tether.cluster.fixture.RawFrameClient;
import io.tether.cluster.fixture.ResumeClient;
import io.tether.cluster.fixture.ResumeRig;
import io.tether.server.session.EndReason;
import io.tether.testkit.Requires;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Sessions that cannot come back: a resume, on another node, of a session whose resume window
 * passed, or whose unacknowledged messages outgrew {@code session_replay_buffer}, is answered
 * with CLOSE 1106 ({@link EndReason#UNRECOVERABLE_CODE}); the client starts a new session and
 * what it had not had acknowledged fails with {@link ConnectionLostException}. The old session
 * went offline exactly once: the server's {@code onOffline} on the node that held it (reason
 * {@code expired} or {@code replay overflow}), and one cluster offline seen on every node.
 *
 * <p>"Exactly once" is checked after a quiet period of a lease and a tick (a late second event
 * would come from a node's tick: a claim, a refresh) on top of the first.
 */
@Requires(binaries = {"redis-server", "kill"})
class ResumeExpiryTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration TICK = LEASE.dividedBy(3);
    private static final Duration SHORT_WINDOW = Duration.ofSeconds(2);
    private static final Duration TOLERANCE = Duration.ofSeconds(2);

    @Test
    void aResumeOnAnotherNodeAfterTheWindowGets1106AndTheSessionWentOfflineOnce() {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, SHORT_WINDOW, 1024)) {
            NodeProcess a = rig.node("A");
            RawFrameClient first = rig.rawLogin("A", "xa");
            byte[] token = first.welcome.resumeToken();
            assertThat(token).hasSize(16);

            first.reset();
            long cutAt = System.nanoTime();
            await("xa expired on A").atMost(SHORT_WINDOW.plus(TOLERANCE).plus(Duration.ofSeconds(20)))
                    .pollInterval(Duration.ofMillis(20)).until(() -> !offline(a, "xa").isEmpty());
            Duration took = Duration.ofNanos(System.nanoTime() - cutAt);
            System.out.printf("cut -> expired on A: %d ms (window %d ms + tolerance %d ms)%n", took.toMillis(), SHORT_WINDOW.toMillis(),
                    TOLERANCE.toMillis());
            assertThat(took).isLessThanOrEqualTo(SHORT_WINDOW.plus(TOLERANCE));

            RawFrameClient late = RawFrameClient.hello(rig.node("B").port(), token, 0);
            assertThat(late.refusalCode()).as("answer to a resume past the window, on B: " + late.refusal)
                    .isEqualTo(EndReason.UNRECOVERABLE_CODE);
            late.close();
            RawFrameClient fresh = RawFrameClient.hello(rig.node("B").port(), null, 0);
            assertThat(fresh.welcome).as("a new session on B").isNotNull();
            assertThat(fresh.welcome.resumed()).isFalse();
            fresh.close();

            assertOfflineOnce(rig, "A", "xa", "expired");
        }
    }

    @Test
    void aClientKeptAwayPastTheWindowStartsANewSessionAndItsUnacknowledgedSendsFail() throws Exception {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, SHORT_WINDOW, 1024)) {
            ResumeClient c = rig.proxiedClient("xc");
            BlipProxy pa = rig.proxy("A");
            BlipProxy pb = rig.proxy("B");
            for (int i = 0; i < 5; i++) {
                c.sendNext();
            }
            CompletableFuture.allOf(c.future(5), c.future(1)).get(10, TimeUnit.SECONDS);

            // 6 and 7 are written on the connection but never reach A (nor does an ACK come back);
            // then the path is cut and the client is kept away from both nodes.
            pa.blackhole(true);
            int six = c.sendNext();
            int seven = c.sendNext();
            assertThat(c.unacknowledged()).containsExactly(six, seven);
            pa.refuse(true);
            pb.refuse(true);
            assertThat(pa.cut()).isEqualTo(1);
            pa.blackhole(false);
            await("xc expired on A").atMost(SHORT_WINDOW.plus(TOLERANCE).plus(Duration.ofSeconds(20)))
                    .until(() -> !offline(rig.node("A"), "xc").isEmpty());

            pb.refuse(false);
            await("a new session").atMost(Duration.ofSeconds(15)).until(() -> c.newSessions() == 2);
            for (int n : List.of(six, seven)) {
                assertThat(c.future(n)).as("send %d, unacknowledged when the session was lost", n)
                        .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(ConnectionLostException.class);
            }
            assertThat(c.changes()).as("state changes").map(StateChange::toString).anyMatch(s -> s.contains("resume refused"));
            await("xc logged in again, on B").atMost(Duration.ofSeconds(10))
                    .until(() -> rig.status().nodesOf("xc").keySet().equals(java.util.Set.of("B")));
            assertThat(rig.nodeOfPort(c.connectedPort())).isEqualTo("B");
            assertThat(c.resumes()).as("resumes").isZero();

            assertOfflineOnce(rig, "A", "xc", "expired");
        }
    }

    @Test
    void aDetachedSessionWhoseUnsentMessagesOverflowEndsAndItsResumeGets1106() {
        int buffer = 50;
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, Duration.ofSeconds(30), buffer)) {
            NodeProcess a = rig.node("A");
            RawFrameClient first = rig.rawLogin("A", "ov");
            byte[] token = first.welcome.resumeToken();
            first.reset();
            await("ov detached on A").atMost(Duration.ofSeconds(10))
                    .until(() -> a.events("PRES detached ").stream().anyMatch(l -> l.endsWith(" ov")));

            for (int i = 1; i <= buffer + 10; i++) {
                rig.sendToUser("ov", Integer.toString(i)).orTimeout(10, TimeUnit.SECONDS).join();
            }
            await("ov ended on A").atMost(Duration.ofSeconds(15)).until(() -> !offline(a, "ov").isEmpty());

            RawFrameClient late = RawFrameClient.hello(rig.node("B").port(), token, 0);
            assertThat(late.refusalCode()).as("answer to a resume of the overflowed session, on B: " + late.refusal)
                    .isEqualTo(EndReason.UNRECOVERABLE_CODE);
            late.close();

            assertOfflineOnce(rig, "A", "ov", "replay_overflow");
        }
    }

    /** The server's own offline events for {@code user} on {@code node}: "PRES offline s1 xa expired". */
    /**
     * Redis restarted empty (no persistence): every kept session is gone with its data. A resume
     * with a token made before is answered 1106, not 1104: the token carries the cluster's epoch,
     * and the nodes saw the epoch change when they registered again.
     */
    @Test
    void aResumeAfterRedisLostItsDataGets1106() {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, Duration.ofSeconds(30), 1024)) {
            RawFrameClient first = rig.rawLogin("A", "xr");
            byte[] token = first.welcome.resumeToken();
            RawFrameClient stays = rig.rawLogin("A", "xs"); // attached through it all
            first.reset();

            rig.redis.stopProcess(); // comes back empty: no persistence
            rig.redis.startProcess();
            await("both nodes registered again").atMost(LEASE.plus(TICK).plus(Duration.ofSeconds(10))).ignoreExceptions()
                    .until(() -> rig.status().nodes().size() == 2);

            RawFrameClient late = RawFrameClient.hello(rig.node("B").port(), token, 0);
            assertThat(late.refusalCode()).as("answer to a resume after Redis lost the data: " + late.refusal)
                    .isEqualTo(EndReason.UNRECOVERABLE_CODE);
            assertThat(late.refusal.toString()).contains("Redis lost its data");
            late.close();
            byte[] random = new byte[16]; // a token never issued is still just unknown
            new java.util.Random(7).nextBytes(random);
            RawFrameClient unknown = RawFrameClient.hello(rig.node("B").port(), random, 0);
            assertThat(unknown.refusalCode()).as("a token never issued: " + unknown.refusal).isEqualTo(EndReason.RESUME_REFUSED_CODE);
            unknown.close();

            // The attached session's next receipt finds nothing in Redis: it ends (lost), never acknowledged as kept.
            assertThatThrownBy(() -> stays.sendAcked(2, "after the restart")).hasMessageContaining("code=1099")
                    .hasMessageContaining("no longer holds it");
            await("xs offline on A").atMost(Duration.ofSeconds(10)).until(() -> offline(rig.node("A"), "xs").size() == 1);
            assertThat(offline(rig.node("A"), "xs")).singleElement().asString().contains("lost");
            stays.close();
        }
    }

    /**
     * A resume the node cannot decide now (Redis hung) is deferred, not refused: CLOSE 1099 before
     * WELCOME, which a client does not take for the end of its session; the same token resumes once
     * Redis answers again.
     */
    @Test
    void aResumeWhileRedisHangsIsDeferredAndTheSameTokenResumesLater() {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, Duration.ofSeconds(30), 1024)) {
            RawFrameClient first = rig.rawLogin("A", "xd");
            byte[] token = first.welcome.resumeToken();
            first.reset();

            rig.redis.pause();
            RawFrameClient deferred;
            try {
                deferred = RawFrameClient.hello(rig.node("B").port(), token, 0);
            } finally {
                rig.redis.resume();
            }
            assertThat(deferred.refusalCode()).as("answer while Redis hangs: " + deferred.refusal).isEqualTo(1099);
            assertThat(deferred.refusal.toString()).contains("resume deferred");
            deferred.close();

            RawFrameClient again = RawFrameClient.hello(rig.node("B").port(), token, 0);
            assertThat(again.welcome).as("the same token, Redis back: " + again.refusal).isNotNull();
            assertThat(again.welcome.resumed()).isTrue();
            again.close();
        }
    }

    /**
     * A kept session whose node was killed and whose client never came back within the window goes
     * offline once, `node lost`, announced by the survivor (not at the claim: it waited for its
     * client); a resume after that gets 1106.
     */
    @Test
    void aKeptSessionOfADeadNodeWhoseClientDoesNotComeBackGoesOfflineOnceAfterTheWindow() {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, SHORT_WINDOW, 1024)) {
            RawFrameClient first = rig.rawLogin("A", "xk");
            byte[] token = first.welcome.resumeToken();
            rig.node("A").kill();
            first.reset();
            NodeProcess b = rig.node("B");
            // The claim (lease + tick after the kill) leaves it waiting; the window after that ends it.
            await("xk offline, seen on B").atMost(LEASE.plus(TICK).plus(SHORT_WINDOW).plus(TICK).plus(TOLERANCE))
                    .until(() -> !clusterOffline(b, "xk").isEmpty());
            await().pollDelay(LEASE.plus(TICK)).atMost(LEASE.multipliedBy(3)).until(() -> true);
            assertThat(clusterOffline(b, "xk")).singleElement().satisfies(l -> assertThat(l.split(" ")[5]).isEqualTo("node_lost"));
            RawFrameClient late = RawFrameClient.hello(b.port(), token, 0);
            assertThat(late.refusalCode()).as("a resume after that: " + late.refusal).isEqualTo(EndReason.UNRECOVERABLE_CODE);
            assertThat(late.refusal.toString()).contains("node lost");
            late.close();
        }
    }

    private static List<String> offline(NodeProcess node, String user) {
        return node.events("PRES offline ").stream().filter(l -> l.split(" ")[3].equals(user)).toList();
    }

    /**
     * After a quiet lease and tick: one local offline on {@code holder} with {@code reason}, none
     * elsewhere; one cluster offline for the user, with that reason, on every node.
     */
    private static void assertOfflineOnce(ResumeRig rig, String holder, String user, String reason) {
        await("cluster offline of " + user + " everywhere").atMost(Duration.ofSeconds(10))
                .until(() -> rig.nodes.values().stream().allMatch(n -> !clusterOffline(n, user).isEmpty()));
        await().pollDelay(LEASE.plus(TICK)).atMost(LEASE.multipliedBy(3)).until(() -> true);
        for (NodeProcess n : rig.nodes.values()) {
            if (n.id.equals(holder)) {
                assertThat(offline(n, user)).as("onOffline of " + user + " on " + n.id).singleElement()
                        .satisfies(l -> assertThat(l).endsWith(" " + reason));
            } else {
                assertThat(offline(n, user)).as("onOffline of " + user + " on " + n.id).isEmpty();
            }
            assertThat(clusterOffline(n, user)).as("cluster offline of " + user + " seen on " + n.id).singleElement()
                    .satisfies(l -> assertThat(l.split(" ")[5]).isEqualTo(reason));
        }
    }

    /** "EV offline A s1 xa expired null" for {@code user}. */
    private static List<String> clusterOffline(NodeProcess node, String user) {
        return node.events("EV offline ").stream().filter(l -> l.split(" ")[4].equals(user)).toList();
    }
}
