package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.cluster.fixture.BlipProxy;
import io.tether.cluster.fixture.NodeProcess;
import io.tether.cluster.fixture.RawFrameClient;
import io.tether.cluster.fixture.ResumeClient;
import io.tether.cluster.fixture.ResumeRig;
import io.tether.testkit.Requires;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A session that moves to another node takes its state along: its attributes (String, Integer,
 * Long, Boolean, byte[] by default) are there on the new node, whether the old one died (SIGKILL:
 * rebuilt from Redis) or handed it over alive. On the old node a live hand-over ends it with
 * {@code moved} (a local onOffline, no cluster offline); on the new one the server fires
 * onResumed, never onOnline. An attribute of a type the store's codec does not keep is left
 * behind with one logged error naming the attribute and its type; the others still move.
 *
 * <p>The application sets attributes from {@code attr <name> <type> <value>} messages and answers
 * {@code attrs?} with what the session holds ({@link ResumeNodeMain}).
 */
@Requires(binaries = {"redis-server", "kill"})
class SessionMoveTest {
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration TICK = LEASE.dividedBy(3);
    private static final Duration WINDOW = Duration.ofSeconds(30);
    /** As in CrossNodeResumeTest: the survivor may wait for the dead node's lease; 2 s for a loaded machine. */
    private static final Duration RESUME_BOUND = LEASE.plus(TICK).plus(ResumeClient.HEARTBEAT).plus(ResumeClient.PING_TIMEOUT)
            .plus(Duration.ofSeconds(2));
    private static final List<String> SET = List.of("attr name String alice", "attr score Long 42", "attr level Integer 7",
            "attr flag Boolean true", "attr raw bytes 0a0b0c");
    private static final String EXPECTED = "attrs flag=Boolean:true,level=Integer:7,name=String:alice,raw=bytes:0a0b0c,"
            + "score=Long:42,";

    @Test
    void attributesComeBackWhenTheSessionResumesAfterItsNodeDied() throws Exception {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, WINDOW, 1024)) {
            ResumeClient c = rig.client("at", List.of(rig.endpoint("A"), rig.endpoint("B")));
            rig.awaitOnline(1, Duration.ofSeconds(30));
            setAttributes(c);
            assertThat(ask(c)).as("attributes on A").isEqualTo(EXPECTED);

            long killedAt = System.nanoTime();
            rig.node("A").kill();
            await("resumed on B").atMost(RESUME_BOUND).pollInterval(Duration.ofMillis(20))
                    .until(() -> c.resumes() == 1 && "B".equals(rig.nodeOfPort(c.connectedPort())));
            System.out.printf("SIGKILL A -> resumed on B: %d ms (bound %d ms)%n",
                    Duration.ofNanos(c.resumedAt().get(0) - killedAt).toMillis(), RESUME_BOUND.toMillis());

            assertThat(ask(c)).as("attributes on B after A died").isEqualTo(EXPECTED);
            NodeProcess b = rig.node("B");
            await("onResumed on B").atMost(Duration.ofSeconds(5)).until(() -> b.events("PRES resumed ").size() == 1);
            assertThat(b.events("PRES resumed ")).singleElement().satisfies(l -> assertThat(l).endsWith(" at"));
            assertThat(b.events("PRES online ")).as("onOnline on B").isEmpty();
            assertThat(c.newSessions()).isEqualTo(1);
            assertThat(rig.dups("at")).as("repeats: every message was acknowledged before the kill").isZero();
        }
    }

    /**
     * A client whose resume attempt gives up (its connect timeout: TCP connect + WELCOME) while the
     * node it resumes on waits for the dead owner's lease must find its session on the next
     * attempt: the abandoned claim must not use up its token.
     */
    @Test
    void aResumeGivenUpWhileItWaitsForTheDeadOwnersLeaseLeavesTheSessionResumable() {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, WINDOW, 1024)) {
            RawFrameClient first = rig.rawLogin("A", "gu");
            byte[] token = first.welcome.resumeToken();

            rig.node("A").kill();
            first.close();
            // A refreshed its lease at most a tick ago, so B may not take the session for two seconds
            // or more: the first attempt waits, and its client gives up after one.
            int b = rig.node("B").port();
            assertThat(RawFrameClient.helloGivingUpAfter(b, token, 0, Duration.ofSeconds(1)))
                    .as("B's answer within 1 s, while A's lease still runs").isNull();
            await("A's lease gone").atMost(LEASE.plus(TICK).plus(Duration.ofSeconds(5)))
                    .until(() -> rig.status().nodes().stream().noneMatch(n -> n.node().equals("A")));
            // B's claim asks again every 200 ms at most: let it finish before the client comes back.
            await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);

            RawFrameClient again = RawFrameClient.hello(b, token, 0);
            assertThat(again.welcome).as("B's answer to the next attempt: " + again.refusal).isNotNull();
            assertThat(again.welcome.resumed()).isTrue();
            again.close();
            await("gu online on B").atMost(Duration.ofSeconds(10)).until(() -> rig.status().nodesOf("gu").containsKey("B"));
        }
    }

    @Test
    void aLiveHandOverEndsTheSessionMovedOnTheOldNodeAndResumesItWithItsAttributesOnTheNew() throws Exception {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, WINDOW, 1024)) {
            ResumeClient c = rig.proxiedClient("mv");
            BlipProxy pa = rig.proxy("A");
            BlipProxy pb = rig.proxy("B");
            setAttributes(c);

            assertThat(pa.cut()).isEqualTo(1);
            await("resumed on B").atMost(Duration.ofSeconds(5)).until(() -> c.resumes() == 1 && c.connectedPort() == pb.port());
            assertThat(ask(c)).as("attributes on B").isEqualTo(EXPECTED);

            NodeProcess a = rig.node("A");
            NodeProcess b = rig.node("B");
            await("the session ended on A").atMost(Duration.ofSeconds(5)).until(() -> !a.events("PRES offline ").isEmpty());
            await("onResumed on B").atMost(Duration.ofSeconds(5)).until(() -> !b.events("PRES resumed ").isEmpty());
            await().pollDelay(LEASE.plus(TICK)).atMost(LEASE.multipliedBy(3)).until(() -> true);
            assertThat(a.events("PRES offline ")).as("onOffline on A").singleElement()
                    .satisfies(l -> assertThat(l).endsWith(" mv moved"));
            assertThat(b.events("PRES resumed ")).singleElement().satisfies(l -> assertThat(l).endsWith(" mv"));
            assertThat(b.events("PRES online ")).as("onOnline on B").isEmpty();
            assertThat(b.events("PRES offline ")).as("onOffline on B").isEmpty();
            for (NodeProcess n : rig.nodes.values()) {
                assertThat(n.events("EV offline ")).as("cluster offline events seen on " + n.id).isEmpty();
            }
            assertThat(rig.status().nodesOf("mv")).containsOnlyKeys("B");
            assertThat(rig.dups("mv")).isZero();
        }
    }

    @Test
    void anAttributeOfATypeNoStoreKeepsIsALoggedErrorNamingItAndItsType() throws Exception {
        try (ResumeRig rig = ResumeRig.start(List.of("A", "B"), LEASE, WINDOW, 1024)) {
            ResumeClient c = rig.proxiedClient("bad");
            BlipProxy pa = rig.proxy("A");
            BlipProxy pb = rig.proxy("B");
            setAttributes(c);
            c.send("attr odd Object x").get(10, TimeUnit.SECONDS); // a StringBuilder

            assertThat(pa.cut()).isEqualTo(1);
            await("resumed on B").atMost(Duration.ofSeconds(5)).until(() -> c.resumes() == 1 && c.connectedPort() == pb.port());
            assertThat(ask(c)).as("the attributes a store keeps still move").isEqualTo(EXPECTED);
            // The node logs to stdout (logback-test.xml); the error comes where the attribute is
            // written to Redis (A), once for the session and attribute.
            await("a logged error naming the attribute and its type").atMost(Duration.ofSeconds(5))
                    .until(() -> !attributeErrors(rig.node("A")).isEmpty());
            assertThat(attributeErrors(rig.node("A"))).as("errors about 'odd' on A").hasSize(1);
            assertThat(attributeErrors(rig.node("B"))).as("errors about 'odd' on B").isEmpty();
        }
    }

    private static List<String> attributeErrors(NodeProcess node) {
        return node.output().stream().filter(l -> l.contains(" ERROR ") && l.contains("'odd'") && l.contains("java.lang.StringBuilder"))
                .toList();
    }

    private static void setAttributes(ResumeClient c) throws Exception {
        CompletableFuture<?>[] acked = SET.stream().map(c::send).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(acked).get(10, TimeUnit.SECONDS);
    }

    /** Sends {@code attrs?} and returns the application's answer. */
    private static String ask(ResumeClient c) throws Exception {
        int before = c.others().size();
        c.send("attrs?").get(10, TimeUnit.SECONDS);
        await("answer to attrs?").atMost(Duration.ofSeconds(10)).until(() -> c.others().size() > before);
        return c.others().get(before);
    }
}
