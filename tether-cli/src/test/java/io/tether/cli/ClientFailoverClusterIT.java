package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.testkit.Requirements;
import io.tether.testkit.Requires;
import io.tether.testkit.process.FreePort;
import io.tether.testkit.process.Signals;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The case: {@code tether client A B}, A frozen with SIGSTOP, a line typed during the
 * freeze. With A and B nodes of one cluster the client's session is kept in Redis, so the client
 * resumes it on B and resends the line there: it reaches B exactly once (B's echo comes back, B
 * logs one receive), never A (not even after A is let go on), and nothing is reported unconfirmed.
 * Real processes: redis-server, two {@code tether server --cluster-redis} nodes, {@code tether client}.
 */
@Requires(binaries = "redis-server")
class ClientFailoverClusterIT {
    private final List<Process> processes = new ArrayList<>();

    private Process start(Path log, List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    @AfterEach
    void stop() {
        for (Process p : processes) {
            if (p.isAlive()) {
                Signals.send(p.pid(), "CONT"); // a frozen process cannot act on the kill otherwise
            }
            p.destroyForcibly();
        }
    }

    private static long count(Path log, String text) throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).count();
    }

    private static void awaitListening(int port) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            new Socket("127.0.0.1", port).close();
            return true;
        });
    }

    @Test
    void aLineTypedWhileTheFirstNodeIsFrozenReachesTheSecondExactlyOnce() throws Exception {
        Path dir = Files.createTempDirectory("tether-failover-");
        int redisPort = FreePort.pick();
        start(dir.resolve("redis.log"), List.of(Requirements.binary("redis-server").toString(), "--port", String.valueOf(redisPort),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        awaitListening(redisPort);
        String redis = "redis://127.0.0.1:" + redisPort;
        int portA = FreePort.pick();
        int portB = FreePort.pick();
        Path logA = dir.resolve("a.log");
        Path logB = dir.resolve("b.log");
        Process a = start(logA, TetherJar.command("server", "--port", String.valueOf(portA), "--cluster-redis", redis, "--cluster-node-id", "node-a",
                "--cluster-lease-time", "2s", "--echo", "--log-level", "debug"));
        start(logB, TetherJar.command("server", "--port", String.valueOf(portB), "--cluster-redis", redis, "--cluster-node-id", "node-b",
                "--cluster-lease-time", "2s", "--echo", "--log-level", "debug"));
        awaitListening(portA);
        awaitListening(portB);

        Path out = dir.resolve("client.out");
        Path err = dir.resolve("client.err");
        Process client = new ProcessBuilder(TetherJar.command("client", "127.0.0.1:" + portA, "127.0.0.1:" + portB, "--heartbeat", "1s",
                "--ping-timeout", "1s", "--stay")).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        processes.add(client);
        OutputStream stdin = client.getOutputStream();
        stdin.write("before-freeze\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        await().atMost(Duration.ofSeconds(20)).until(() -> count(out, "before-freeze") == 1); // A's echo
        assertThat(count(logA, "before-freeze")).isEqualTo(1);

        Signals.send(a.pid(), "STOP");
        long frozenAt = System.nanoTime();
        stdin.write("typed-during-freeze\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        // Noticed after heartbeat + ping timeout (2 s), A's lease (2 s) runs out meanwhile, B takes the session.
        await().atMost(Duration.ofSeconds(30)).until(() -> count(out, "typed-during-freeze") >= 1);
        double seconds = (System.nanoTime() - frozenAt) / 1e9;
        System.out.printf("typed-during-freeze echoed by B %.2f s after A froze%n", seconds);
        assertThat(count(logB, "typed-during-freeze")).isEqualTo(1);

        Signals.send(a.pid(), "CONT"); // A wakes: it must not deliver the line it may have had in its socket
        await().atMost(Duration.ofSeconds(15)).until(() -> count(logA, "declared it dead") >= 1); // its first lease tick
        stdin.write("after\n".getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        await().atMost(Duration.ofSeconds(20)).until(() -> count(out, "after") == 1);
        assertThat(count(logA, "typed-during-freeze")).isZero();
        assertThat(count(logB, "typed-during-freeze")).isEqualTo(1);
        assertThat(count(out, "typed-during-freeze")).isEqualTo(1);
        assertThat(Files.readString(err)).doesNotContain("not confirmed");
    }
}
