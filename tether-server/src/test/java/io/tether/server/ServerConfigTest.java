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

    /** Three quarters of the cores, at least one: a quarter is left to the kernel's network work, the JIT and the GC. */
    @Test
    void workerNumDefaultsToThreeQuartersOfTheCores() {
        assertThat(ServerConfig.defaultWorkerNum(1)).isEqualTo(1);
        assertThat(ServerConfig.defaultWorkerNum(2)).as("a 2-core box: one loop").isEqualTo(1);
        assertThat(ServerConfig.defaultWorkerNum(4)).isEqualTo(3);
        assertThat(ServerConfig.defaultWorkerNum(8)).isEqualTo(6);
        assertThat(ServerConfig.defaultWorkerNum(64)).isEqualTo(48);
        assertThat(ServerConfig.builder().build().workerNum())
                .isEqualTo(ServerConfig.defaultWorkerNum(Runtime.getRuntime().availableProcessors()));
        assertThat(ServerConfig.builder().workerNum(2).build().workerNum()).as("a set value is kept").isEqualTo(2);
    }

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
                .hasMessage("framing: 'json' is not allowed; use one of auto, line, frame, raw, websocket");
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

    @Test
    void outboundLimitsDefaultsAndHowTheyFit() {
        ServerConfig d = ServerConfig.builder().build();
        assertThat(d.bufferHighWatermark()).isEqualTo(64 * 1024);
        assertThat(d.bufferLowWatermark()).isEqualTo(32 * 1024);
        assertThat(d.maxOutboundBytes()).as("the soft limit follows the low water mark").isEqualTo(32 * 1024);
        assertThat(d.outboundSoftTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.outboundHardLimit()).isEqualTo(4 * 1024 * 1024);

        ServerConfig c = ServerConfig.fromMap(Map.of("buffer_low_watermark", "256K", "buffer_high_watermark", "1M",
                "outbound_hard_limit", "8M"));
        assertThat(c.maxOutboundBytes()).isEqualTo(256 * 1024);
        assertThat(c.toBuilder().bufferLowWatermark(512 * 1024).build().maxOutboundBytes())
                .as("still following it after toBuilder()").isEqualTo(512 * 1024);
        assertThat(ServerConfig.fromMap(Map.of("max_outbound_bytes", 0, "outbound_hard_limit", 0)).maxOutboundBytes()).isZero();

        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("buffer_low_watermark", "128K")))
                .hasMessage("buffer_low_watermark (131072) must not exceed buffer_high_watermark (65536)");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("outbound_hard_limit", "32K")))
                .hasMessage("outbound_hard_limit (32768) must be at least buffer_high_watermark (65536),"
                        + " or the hard limit closes connections before reading from them is paused");
        assertThatThrownBy(() -> ServerConfig.fromMap(Map.of("max_outbound_bytes", "8M")))
                .hasMessage("max_outbound_bytes (8388608) must not exceed outbound_hard_limit (4194304), or the soft limit never applies");
    }
}
