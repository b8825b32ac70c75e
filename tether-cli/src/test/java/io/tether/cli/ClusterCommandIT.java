package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.testkit.Requirements;
import io.tether.testkit.Requires;
import io.tether.testkit.process.FreePort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tether server --cluster-redis} runs a cluster node and {@code tether cluster status} lists
 * the nodes: the jar, two node processes and a private redis-server (random port, no persistence).
 */
@Requires(binaries = "redis-server")
class ClusterCommandIT {
    private final List<Process> processes = new ArrayList<>();

    private Process start(Path log, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private static String ask(Socket s, BufferedReader in, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        return in.readLine();
    }

    @Test
    void twoNodesRouteAcrossAndStatusListsThem() throws Exception {
        Path dir = Files.createTempDirectory("tether-cluster-cli-");
        int redisPort = FreePort.pick();
        start(dir.resolve("redis.log"), Requirements.binary("redis-server").toString(), "--port", String.valueOf(redisPort),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString());
        String redis = "redis://127.0.0.1:" + redisPort;
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            try (Socket s = new Socket("127.0.0.1", redisPort)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        int portA = FreePort.pick();
        int portB = FreePort.pick();
        start(dir.resolve("a.log"), TetherJar.command("server", "--port", String.valueOf(portA), "--cluster-redis", redis,
                "--cluster-node-id", "node-a", "--cluster-lease-time", "2s").toArray(String[]::new));
        start(dir.resolve("b.log"), TetherJar.command("server", "--port", String.valueOf(portB), "--cluster-redis", redis,
                "--cluster-node-id", "node-b", "--cluster-lease-time", "2s").toArray(String[]::new));
        for (int port : new int[] {portA, portB}) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                new Socket("127.0.0.1", port).close();
                return true;
            });
        }
        try (Socket a = new Socket("127.0.0.1", portA); Socket b = new Socket("127.0.0.1", portB)) {
            BufferedReader inA = new BufferedReader(new InputStreamReader(a.getInputStream(), StandardCharsets.UTF_8));
            BufferedReader inB = new BufferedReader(new InputStreamReader(b.getInputStream(), StandardCharsets.UTF_8));
            assertThat(ask(a, inA, "login alice")).isEqualTo("ok");
            assertThat(ask(b, inB, "login bob")).isEqualTo("ok");
            await().atMost(Duration.ofSeconds(10)).until(() -> status(redis).contains("2 nodes, 2 sessions, 2 users"));
            assertThat(ask(a, inA, "to bob hello from a")).isEqualTo("sent to 1 nodes");
            assertThat(inB.readLine()).isEqualTo("hello from a");

            String out = status(redis);
            assertThat(out).contains("node-a").contains("node-b").contains("lease left");
        }
        Process unreachable = new ProcessBuilder(TetherJar.command("cluster", "status", "--cluster-redis", "redis://127.0.0.1:" + FreePort.pick()))
                .redirectErrorStream(true).start();
        processes.add(unreachable);
        String text = new String(unreachable.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(unreachable.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(unreachable.exitValue()).isEqualTo(1);
        assertThat(text).contains("tether cluster status: Redis unreachable at redis://127.0.0.1:");
    }

    private String status(String redis) throws Exception {
        Process p = new ProcessBuilder(TetherJar.command("cluster", "status", "--cluster-redis", redis)).redirectErrorStream(true).start();
        processes.add(p);
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return text;
    }
}
