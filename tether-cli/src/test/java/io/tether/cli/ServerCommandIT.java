package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.testkit.process.Signals;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Map;
import java.util.regex.Pattern;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the packaged {@code tether} jar as a user would and checks what it prints and does. */
class ServerCommandIT {
    private Process process;
    private Thread reader;
    private final List<String> output = new CopyOnWriteArrayList<>();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process tether(String... args) throws IOException {
        return tether(Map.of(), args);
    }

    /**
     * Starts the jar with these environment variables and arguments. Output lines are split at
     * '\n' only, so a '\r' or an escape byte that reached the output is still in the line.
     */
    private Process tether(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", Path.of("target", "tether.jar").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("TETHER_LOG_LEVEL");
        pb.environment().putAll(env);
        process = pb.start();
        reader = new Thread(() -> {
            try (InputStream in = process.getInputStream()) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '\n') {
                        output.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
                if (line.size() > 0) {
                    output.add(line.toString(StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /** Runs the jar to its end; returns its exit status once its output has been read. */
    private int tetherRun(Map<String, String> env, String... args) throws Exception {
        tether(env, args);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("tether %s ended", List.of(args)).isTrue();
        reader.join(5_000); // the output is read to its end
        return process.exitValue();
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
        Signals.send(process.pid(), "INT");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(printed("tether stopped")).isTrue();
        assertThat(output).as("every line has an ISO-8601 time and a level").isNotEmpty()
                .allSatisfy(l -> assertThat(l).matches(LOG_LINE));
        assertThat(output).as("connects and closes at INFO, under the rate").anyMatch(l -> l.matches(".* INFO  connect \\d+ from 127\\.0\\.0\\.1:\\d+"));
        assertThat(output).as("messages only at DEBUG").noneMatch(l -> l.contains("receive "));
    }

    /** {@code 2025-01-31T09:00:00.000Z INFO  ...} (or an offset instead of Z). */
    private static final Pattern LOG_LINE = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) (TRACE|DEBUG|INFO |WARN |ERROR) .*");

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
        tether("server", "--port", String.valueOf(port), "--echo", "--log-level", "debug");
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello tether\n".getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("hello tether");
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> printed("receive 1: string(12) \"hello tether\""));
    }

    @Test
    void receivedTextIsLoggedEscapedOnOneLine() throws Exception {
        int port = freePort();
        tether("server", "--port", String.valueOf(port), "--log-level", "debug");
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on"));
        // Clear the screen, retitle the terminal, and forge a close line of the server's own.
        String attack = "\u001b[2J\u001b]0;owned\u0007ok\r09:00:00.000 close 99: fake entry";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write((attack + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> printed("receive 1:"));
        }
        String expected = "receive 1: string(" + attack.length() + ") "
                + "\"\\x1b[2J\\x1b]0;owned\\x07ok\\r09:00:00.000 close 99: fake entry\"";
        assertThat(output).as("the message on one line, escaped").anyMatch(l -> l.endsWith(" DEBUG " + expected));
        assertThat(output).as("no control byte reached the output")
                .allSatisfy(l -> assertThat(l.chars().filter(c -> c < 0x20 && c != '\t')).isEmpty());
        assertThat(output).as("no line but the receive line shows the fake entry")
                .filteredOn(l -> l.contains("fake entry")).hasSize(1);
        assertThat(output).allSatisfy(l -> assertThat(l).matches(LOG_LINE));
    }

    @Test
    void unresolvableHostIsNamed() throws Exception {
        assertThat(tetherRun(Map.of(), "server", "--host", "nosuchhost.invalid")).isEqualTo(1);
        assertThat(output).contains("tether server: cannot listen on nosuchhost.invalid:9501: cannot resolve host 'nosuchhost.invalid'");
    }

    @Test
    void portInUseNamesTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            assertThat(tetherRun(Map.of(), "server", "--port", String.valueOf(port))).isEqualTo(1);
            assertThat(output).contains("tether server: cannot listen on 127.0.0.1:" + port + ": address already in use");
        }
    }

    @Test
    void missingConfigFileSaysNotFound(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("tether.yaml");
        assertThat(tetherRun(Map.of(), "server", "--config", missing.toString())).isEqualTo(2);
        assertThat(output).contains("tether server: config file " + missing + " not found");
    }

    @Test
    void unknownOptionIsNamedWithAHintNotTheWholeHelp() throws Exception {
        assertThat(tetherRun(Map.of(), "server", "--heartbeat-idle", "3")).isEqualTo(2);
        assertThat(output.get(0)).isEqualTo("tether server: Unknown options: '--heartbeat-idle', '3'");
        assertThat(output).contains("Try 'tether server --help' for more information.");
        assertThat(output).as("the error and a hint, not 131 lines of help").hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void helpSummarisesEachCommandInWholeSentences() throws Exception {
        assertThat(tetherRun(Map.of(), "--help")).isZero();
        // Each command's summary starts on its own line and may wrap; it must end a sentence.
        int start = output.indexOf("Commands:");
        assertThat(start).isPositive();
        List<String> summaries = new ArrayList<>();
        for (String l : output.subList(start + 1, output.size())) {
            if (l.matches("  \\S.*")) {
                summaries.add(l.trim());
            } else if (!summaries.isEmpty()) {
                summaries.set(summaries.size() - 1, summaries.get(summaries.size() - 1) + " " + l.trim());
            }
        }
        assertThat(summaries).extracting(l -> l.split("\\s+", 2)[0]).containsExactly("server", "client", "status", "cluster", "lab", "bench");
        assertThat(summaries).allSatisfy(l -> assertThat(l).endsWith("."));
    }

    @Test
    void versionIsTheBuildsVersion() throws Exception {
        assertThat(tetherRun(Map.of(), "-V")).isZero();
        String version = System.getProperty("tether.expected.version");
        assertThat(version).as("set by tether-cli/pom.xml").isNotBlank();
        assertThat(output.get(0)).startsWith("tether " + version).doesNotContain("dev");
    }

    @Test
    void aLogLevelThatIsNotOneIsAnError() throws Exception {
        assertThat(tetherRun(Map.of("TETHER_LOG_LEVEL", "WARNING"), "server", "--port", "0")).isEqualTo(2);
        assertThat(output).containsExactly("tether: TETHER_LOG_LEVEL: 'WARNING' is not a log level; use error, warn, info, debug or trace");
        output.clear();
        assertThat(tetherRun(Map.of(), "client", "127.0.0.1:9", "--log-level", "loud")).isEqualTo(2);
        assertThat(output).contains("tether client: --log-level: 'loud' is not a log level; use error, warn, info, debug or trace");
    }

    @Test
    void atWarnListeningAndStoppedStillShow() throws Exception {
        int port = freePort();
        tether(Map.of("TETHER_LOG_LEVEL", "WARN"), "server", "--port", String.valueOf(port));
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on 127.0.0.1:" + port));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine()).isEqualTo("pong");
        }
        Signals.send(process.pid(), "TERM");
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> printed("tether stopped"));
        assertThat(output).as("no INFO event lines at WARN").noneMatch(l -> l.contains("connect 1"));
    }

    @Test
    void jsonLinesOnRequest() throws Exception {
        int port = freePort();
        tether("server", "--port", String.valueOf(port), "--log-format", "json");
        await().atMost(Duration.ofSeconds(30)).until(() -> printed("tether listening on"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("\u001b[2J\n".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> printed("close 1"));
        assertThat(output).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}").contains("\"level\":\"INFO\""));
        assertThat(output).anyMatch(l -> l.contains("\"loggerName\":\"io.tether.server.lifecycle\"")
                && l.contains("\"formattedMessage\":\"tether listening on 127.0.0.1:" + port));
        assertThat(output).anyMatch(l -> l.contains("\"formattedMessage\":\"connect 1 from 127.0.0.1:"));
    }
}
