package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged {@code tether} jar as a user would and checks what it prints and does. */
class ServerCommandIT {
    private Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process tether(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", Path.of("target", "tether.jar").toString()));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    private static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private boolean printed(String fragment) {
        return output.stream().anyMatch(l -> l.contains(fragment));
    }

    @Test
    void silentClientClosedWithinIdleWindowWhilePingerStaysAndCtrlCExitsZero() throws Exception {
        int port = freePort();
        tether("server", "--port", String.valueOf(port), "--heartbeat-idle-time", "2", "--heartbeat-check-interval", "1");
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on"));

        // A client that pings every second for 10 s, reading pong each time.
        CompletableFuture<Integer> pongs = CompletableFuture.supplyAsync(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port));
                s.setSoTimeout(3000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = s.getOutputStream();
                int n = 0;
                long start = System.nanoTime();
                for (int i = 0; i < 11; i++) {
                    long due = start + i * 1_000_000_000L;
                    await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(3)).until(() -> System.nanoTime() >= due);
                    out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if ("pong".equals(in.readLine())) {
                        n++;
                    }
                }
                return n;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });

        // A client that says one thing and then stays silent.
        try (Socket silent = new Socket()) {
            silent.connect(new InetSocketAddress("127.0.0.1", port));
            silent.setSoTimeout(10_000);
            silent.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            long lastByte = System.nanoTime();
            int r = silent.getInputStream().read();
            double closedAfter = (System.nanoTime() - lastByte) / 1e9;
            assertThat(r).as("server closes with FIN").isEqualTo(-1);
            // Bound from the issue: closed between 2.0 s and 3.0 s after the last byte.
            assertThat(closedAfter).as("closed %.3f s after the last byte", closedAfter).isBetween(2.0, 3.0);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> output.stream().anyMatch(l -> l.matches(".*close \\d+: idle timeout \\(silent 2\\.\\d+ s.*")));

        assertThat(pongs.get(20, TimeUnit.SECONDS)).as("pongs over 10 s").isEqualTo(11);
        assertThat(output.stream().filter(l -> l.contains("idle timeout")).count()).as("only the silent client idled out").isEqualTo(1);

        // Ctrl-C: graceful shutdown, exit status 0.
        new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(printed("tether stopped")).isTrue();
    }

    @Test
    void badFlagValueRefusesToStartNamingTheKey() throws Exception {
        tether("server", "--port", "0", "--heartbeat-idle-time", "5x");
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(2)).until(() -> printed("heartbeat_idle_time: '5x' is not a duration"));
    }

    @Test
    void unknownYamlKeyRefusesToStartNamingTheKey(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("tether.yaml");
        Files.writeString(yaml, "port: 0\nheartbeat_idel_time: 5\n");
        tether("server", "--config", yaml.toString());
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(2)).until(() -> printed("unknown key 'heartbeat_idel_time' (did you mean heartbeat_idle_time?)"));
    }

    @Test
    void echoModeEchoes() throws Exception {
        int port = freePort();
        tether("server", "--port", String.valueOf(port), "--echo");
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello tether\n".getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("hello tether");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> printed("receive 1: string(12) \"hello tether\""));
    }
}
