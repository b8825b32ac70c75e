package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.core.config.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/SECURITY.md names limits by their config keys and defences by their tests. Like
 * {@link ConfigDocTest}, this keeps the document honest: every key it names (backticked, or in its
 * YAML example) is a real key (ServerConfig.SETTINGS, or the admin and health keys of docs/CONFIG.md,
 * whose tables AdminConfigDocTest and HealthConfigDocTest generate from their registries), it still
 * covers the attacks' keys, and every test it or docs/PROTOCOL.md's Conformance section names exists.
 */
class SecurityDocTest {
    private static final Path DOCS = Path.of("..", "docs");
    /** A backticked key: snake_case (at least one underscore) or a health key; `key: value` counts as its key. */
    private static final Pattern KEY = Pattern.compile("`((?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+)|(?:health\\.[a-z0-9.<>_]+))(?=[`:\\s])");
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern YAML_KEY = Pattern.compile("(?m)^\\s*([a-z][a-z0-9_]*):");
    /** A generated table row of docs/CONFIG.md: its first cell is the backticked key. */
    private static final Pattern TABLE_KEY = Pattern.compile("(?m)^\\| `([a-z][a-z0-9_.<>]*)` \\|");
    private static final Pattern TEST = Pattern.compile("`([A-Z][A-Za-z0-9]*Test)(?:\\.([a-z][A-Za-z0-9]*))?`");

    private static String read(String doc) {
        try {
            return Files.readString(DOCS.resolve(doc));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every key a server, its admin endpoint and its health checks accept, as docs/CONFIG.md lists them. */
    private static Set<String> knownKeys() {
        Set<String> keys = new TreeSet<>();
        for (Setting<ServerConfig.Builder> s : ServerConfig.SETTINGS.all()) {
            keys.add(s.key());
        }
        String config = read("CONFIG.md");
        for (String section : List.of("admin-keys", "health-keys")) {
            int a = config.indexOf("<!-- " + section + ":begin");
            int z = config.indexOf("<!-- " + section + ":end -->");
            assertThat(a).as("docs/CONFIG.md has the %s table", section).isNotNegative();
            Matcher m = TABLE_KEY.matcher(config.substring(a, z));
            int before = keys.size();
            while (m.find()) {
                keys.add(m.group(1));
            }
            assertThat(keys.size()).as("keys read from the %s table", section).isGreaterThan(before);
        }
        return keys;
    }

    private static Set<String> keysNamedIn(String text) {
        Set<String> named = new TreeSet<>();
        Matcher m = KEY.matcher(text);
        while (m.find()) {
            named.add(m.group(1));
        }
        Matcher block = YAML_BLOCK.matcher(text);
        while (block.find()) {
            Matcher k = YAML_KEY.matcher(block.group(1));
            while (k.find()) {
                named.add(k.group(1));
            }
        }
        return named;
    }

    @Test
    void securityDocNamesOnlyKeysThatExist() {
        Set<String> known = knownKeys();
        Set<String> named = keysNamedIn(read("SECURITY.md"));
        assertThat(named).as("keys named in docs/SECURITY.md").hasSizeGreaterThan(20);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeIf(k -> known.contains(k) || k.startsWith("health.") && known.stream().anyMatch(
                h -> h.contains("<") && k.startsWith(h.substring(0, h.indexOf('<')))));
        assertThat(unknown).as("docs/SECURITY.md names these as keys, but no such key exists (docs/CONFIG.md)").isEmpty();
    }

    @Test
    void securityDocCoversTheKeysOfEachAttack() {
        Set<String> named = keysNamedIn(read("SECURITY.md"));
        assertThat(named).as("docs/SECURITY.md covers each defence by its keys").contains(
                "buffer_high_watermark", "max_outbound_bytes", "outbound_soft_time", "outbound_hard_limit",
                "handshake_timeout", "package_timeout",
                "max_connection", "max_connection_per_ip", "connect_rate_per_ip", "connect_burst_per_ip",
                "ping_min_interval", "ping_burst", "ping_strikes",
                "package_max_length", "session_resume_window",
                "heartbeat_idle_time", "server_ping_interval", "open_tcp_keepalive", "tcp_user_timeout",
                "ssl_cert_file", "ssl_key_file", "ssl_verify_peer", "ssl_client_cert_file", "ssl_engine",
                "admin_port", "admin_host", "admin_token");
    }

    /** A test named in docs/SECURITY.md or docs/PROTOCOL.md exists, and so does the method named with it. */
    @Test
    void docsNameOnlyTestsThatExist() throws IOException {
        List<Path> tests;
        try (Stream<Path> files = Files.walk(Path.of(".."))) {
            tests = files.filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith("Test.java")).toList();
        }
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String doc : List.of("SECURITY.md", "PROTOCOL.md")) {
            Matcher m = TEST.matcher(read(doc));
            while (m.find()) {
                checked++;
                String cls = m.group(1);
                String method = m.group(2);
                Path file = tests.stream().filter(p -> p.getFileName().toString().equals(cls + ".java")).findFirst().orElse(null);
                if (file == null) {
                    missing.add(doc + ": " + cls);
                } else if (method != null && !Files.readString(file).matches("(?s).*\\bvoid " + method + "\\(.*")) {
                    missing.add(doc + ": " + cls + "." + method);
                }
            }
        }
        assertThat(checked).as("tests named in the docs").isGreaterThan(40);
        assertThat(missing).as("named in the docs but not found under */src/test/java").isEmpty();
    }
}
