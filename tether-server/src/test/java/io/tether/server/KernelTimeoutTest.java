package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.testkit.Requirements;
import io.tether.testkit.Requires;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's experiment on loopback: drop everything the client sends with iptables, so the
 * server's keepalive probes (or its data) go unacknowledged, and check the kernel's verdict is
 * named correctly. Needs root and iptables; in CI (CI=true) their absence fails the test.
 */
@Requires(root = true, binaries = "iptables")
class KernelTimeoutTest {
    private final Recorder events = new Recorder();
    private final List<List<String>> rules = new ArrayList<>();
    private TetherServer server;
    private String iptables;

    @BeforeEach
    void needIptables() throws Exception {
        // By path: it may be in /usr/sbin, off this JVM's PATH.
        iptables = Requirements.binary("iptables").toString();
        // Root and the binary are not enough: a container without NET_ADMIN refuses iptables.
        boolean usable;
        try {
            usable = run(iptables, "-w", "-L", "INPUT", "-n") == 0;
        } catch (IOException e) {
            usable = false;
        }
        Requirements.require(usable, "iptables is not usable here (`iptables -w -L INPUT -n` fails):"
                + " a container needs the NET_ADMIN capability, e.g. docker run --cap-add NET_ADMIN");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (List<String> rule : rules) {
            List<String> delete = new ArrayList<>(rule);
            delete.set(delete.indexOf("-I"), "-D");
            run(delete.toArray(new String[0]));
        }
        if (server != null) {
            server.close();
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Silently drops every segment the client sends to the server, as a pulled cable would. */
    private void cutClient(TestClient c) throws Exception {
        List<String> rule = List.of(iptables, "-w", "-I", "INPUT", "-p", "tcp", "-s", "127.0.0.1",
                "--sport", String.valueOf(c.socket.getLocalPort()), "--dport", String.valueOf(server.localAddress().getPort()),
                "-j", "DROP");
        assertThat(run(rule.toArray(new String[0]))).as("iptables insert").isZero();
        rules.add(rule);
    }

    @Test
    void unansweredKeepaliveProbesAreKeepaliveTimeout() throws Exception {
        server = TetherServer.builder().handler(events).config(ServerConfig.builder().port(0).openTcpKeepalive(true)
                .tcpKeepIdle(Duration.ofSeconds(1)).tcpKeepInterval(Duration.ofSeconds(1)).tcpKeepCount(2).build()).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("hello");
            await().until(() -> events.received.size() == 1);
            long id = events.connects.get(0);
            long cutAt = System.nanoTime();
            cutClient(c);
            // Bound: idle 1 s + 2 probes 1 s apart = about 3 s; tolerance up to 6 s for timer slack.
            await().atMost(Duration.ofSeconds(8)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.KEEPALIVE_TIMEOUT);
            double after = (events.closedAtNanos.get(id) - cutAt) / 1e9;
            assertThat(after).as("detected %.2f s after the cut", after).isBetween(2.0, 6.0);
        }
    }

    @Test
    void unacknowledgedDataIsUserTimeoutEvenWithKeepaliveOn() throws Exception {
        server = TetherServer.builder().handler(events).config(ServerConfig.builder().port(0).openTcpKeepalive(true)
                .tcpKeepIdle(Duration.ofSeconds(30)).tcpKeepInterval(Duration.ofSeconds(30)).tcpKeepCount(5)
                .tcpUserTimeout(Duration.ofSeconds(2)).build()).build().start();
        try (TestClient c = TestClient.line(server)) {
            c.sendLine("hello");
            await().until(() -> events.received.size() == 1);
            long id = events.connects.get(0);
            Connection conn = server.connection(id);
            cutClient(c);
            long cutAt = System.nanoTime();
            conn.send("data that will never be acknowledged");
            // Bound: tcp_user_timeout 2 s after the unacknowledged send; tolerance 3 s (RTO backoff granularity).
            await().atMost(Duration.ofSeconds(8)).until(() -> events.closes.containsKey(id));
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.USER_TIMEOUT);
            double after = (events.closedAtNanos.get(id) - cutAt) / 1e9;
            assertThat(after).as("detected %.2f s after the cut", after).isBetween(1.9, 5.0);
        }
    }
}
