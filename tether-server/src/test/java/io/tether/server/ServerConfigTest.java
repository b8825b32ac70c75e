package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {

    @Test
    void swooleDefaultsWhenOnlyOneHeartbeatKeyIsGiven() {
        ServerConfig onlyInterval = ServerConfig.fromMap(Map.of("heartbeat_check_interval", 5));
        assertThat(onlyInterval.heartbeatIdleTime()).isEqualTo(Duration.ofSeconds(10));
        ServerConfig onlyIdle = ServerConfig.fromMap(Map.of("heartbeat_idle_time", "2s"));
        assertThat(onlyIdle.heartbeatCheckInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void unknownKeyIsRefusedWithSuggestion() {
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("heartbeat_idle", 5)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown key 'heartbeat_idle' (did you mean heartbeat_idle_time?)");
    }

    @Test
    void badValueNamesTheKey() {
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("tcp_keepidle", "1.5s")))
                .hasMessage("tcp_keepidle: 1.5s must be whole seconds (the kernel counts this option in seconds)");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("heartbeat_idle_time", 2, "heartbeat_check_interval", 3)))
                .hasMessage("heartbeat_check_interval (3s) must not exceed heartbeat_idle_time (2s)");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("framing", "json")))
                .hasMessage("framing: 'json' is not allowed; use one of auto, line, frame, raw");
    }

    @Test
    void yamlWithSwooleKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tether.yaml");
        Files.writeString(file, String.join("\n",
                "port: 6666",
                "worker_num: 1",
                "open_tcp_keepalive: 1",
                "tcp_keepidle: 4",
                "tcp_keepinterval: 1",
                "tcp_keepcount: 5",
                "heartbeat_check_interval: 1",
                "heartbeat_idle_time: 5",
                "package_max_length: 64K",
                "tcp_user_timeout: 500ms", ""));
        ServerConfig c = ServerConfig.fromYaml(file);
        assertThat(c.port()).isEqualTo(6666);
        assertThat(c.openTcpKeepalive()).isTrue();
        assertThat(c.tcpKeepIdle()).isEqualTo(Duration.ofSeconds(4));
        assertThat(c.tcpKeepCount()).isEqualTo(5);
        assertThat(c.heartbeatIdleTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.packageMaxLength()).isEqualTo(65536);
        assertThat(c.tcpUserTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void yamlErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "port: [1, 2\n");
        assertThatThrownBy(() -> ServerConfig.fromYaml(file)).hasMessageContaining("is not valid YAML");
    }
}
