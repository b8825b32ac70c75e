package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.core.config.Setting;
import io.tether.core.config.Settings;
import io.tether.server.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * dist/ cannot rot: the sample config loads and names every key; the systemd unit runs the jar
 * with the launcher's JVM flags (which this JVM accepts, the user's last) and room for
 * max_connection descriptors.
 */
class DistTest {
    private static final Path SAMPLE = Path.of("..", "dist", "tether.yaml");
    private static final Path UNIT = Path.of("..", "dist", "tether.service");
    private static final Path LAUNCHER = Path.of("..", "tether");
    /** {@code # worker_num: 4}: a key left at its default, with an example value. */
    private static final Pattern COMMENTED_KEY = Pattern.compile("^# ([a-z_]+): (.+)$", Pattern.MULTILINE);
    /** ./tether's last line: {@code exec java <flags> -jar "$jar" "$@"}, the flags as group 1. */
    private static final Pattern EXEC_LINE = Pattern.compile("(?m)^exec java (.*) -jar \"\\$jar\" \"\\$@\"$");
    /**
     * {@code #   ssl_cert_file: /etc/...}: an indented example, named but not valid as it stands (it
     * needs a file that exists), so not uncommented by {@link #itsCommentedExamplesAreValidToo}.
     */
    private static final Pattern NAMED_KEY = Pattern.compile("^#\\s+([a-z_]+): (.+)$", Pattern.MULTILINE);

    @Test
    void loadsAsTheServerCommandLoadsIt() {
        ServerCommand.Setup setup = ServerCommand.setup(Settings.readYaml(SAMPLE));
        assertThat(setup.checks()).isEmpty();
        ServerConfig c = setup.config();
        assertThat(c.port()).isEqualTo(9501);
        assertThat(c.heartbeatIdleTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.openTcpKeepalive()).isTrue();
        assertThat(c.tcpUserTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void namesEveryKey() throws Exception {
        String text = Files.readString(SAMPLE);
        Map<String, Object> set = Settings.readYaml(SAMPLE);
        List<String> commented = NAMED_KEY.matcher(text).results().map(m -> m.group(1)).toList();
        List<Setting<ServerConfig.Builder>> missing = ServerConfig.SETTINGS.all().stream()
                .filter(s -> !set.containsKey(s.key()) && !commented.contains(s.key())).toList();
        assertThat(missing).as("keys dist/tether.yaml does not name; add them (with a comment):%n%s",
                missing.stream().map(s -> "# " + s.description().replace("`", "") + "\n" + s.key() + ": " + s.defaultText())
                        .collect(Collectors.joining("\n"))).isEmpty();
    }

    @Test
    void itsCommentedExamplesAreValidToo(@TempDir Path dir) throws Exception {
        // Uncomment "# key: value" lines of server keys: an operator who does so gets a valid config.
        String text = Files.readString(SAMPLE);
        StringBuilder uncommented = new StringBuilder();
        Matcher m = COMMENTED_KEY.matcher(text);
        while (m.find()) {
            boolean serverKey = ServerConfig.SETTINGS.all().stream().anyMatch(s -> s.key().equals(m.group(1)));
            m.appendReplacement(uncommented, Matcher.quoteReplacement(serverKey ? m.group(1) + ": " + m.group(2) : m.group()));
        }
        m.appendTail(uncommented);
        Path file = Files.writeString(dir.resolve("tether.yaml"), uncommented);
        Map<String, Object> keys = new LinkedHashMap<>(Settings.readYaml(file));
        assertThat(keys).containsKeys("worker_num", "max_outbound_bytes", "heartbeat_check_interval");
        assertThat(ServerCommand.setup(keys).config().workerNum()).isEqualTo(4);
    }

    /** A flag this JVM does not know would stop ./tether and the service before they start. */
    @Test
    void theLaunchersJvmFlagsAreAcceptedByThisJvm() throws Exception {
        Matcher launcher = EXEC_LINE.matcher(Files.readString(LAUNCHER));
        assertThat(launcher.find()).as("./tether's exec line").isTrue();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String word : launcher.group(1).replace("${TETHER_JAVA_OPTS:-}", "").trim().split("\\s+")) {
            command.add(word);
        }
        command.add("-version");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s%n%s", String.join(" ", command), out).isZero();
    }

    @Test
    void theServiceRunsTheJarWithTheLaunchersJvmFlags() throws Exception {
        Matcher launcher = EXEC_LINE.matcher(Files.readString(LAUNCHER));
        assertThat(launcher.find()).as("./tether's exec line").isTrue();
        // The shell's ${TETHER_JAVA_OPTS:-} is systemd's $TETHER_JAVA_OPTS (unbraced: split into words).
        String flags = launcher.group(1).replace("${TETHER_JAVA_OPTS:-}", "$TETHER_JAVA_OPTS");
        String unit = Files.readString(UNIT);
        assertThat(unit).as("dist/tether.service runs java with ./tether's flags")
                .containsPattern("(?m)^ExecStart=/usr/bin/java " + Pattern.quote(flags)
                        + " -jar /opt/tether/tether.jar server --config /etc/tether/tether.yaml$");
        assertThat(flags).as("the user's flags come last, so they win over the defaults").endsWith("$TETHER_JAVA_OPTS");
        Matcher files = Pattern.compile("(?m)^LimitNOFILE=(\\d+)$").matcher(unit);
        assertThat(files.find()).isTrue();
        assertThat(Integer.parseInt(files.group(1))).as("a descriptor per connection")
                .isGreaterThan(ServerCommand.setup(Settings.readYaml(SAMPLE)).config().maxConnection());
    }
}
