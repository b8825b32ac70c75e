package io.tether.server;

import io.tether.core.transport.SocketOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keepalive and user-timeout options, read back from the kernel, equal the config. */
class SocketOptionsTest {

    @Test
    void acceptedSocketCarriesConfiguredKeepaliveAndUserTimeout() throws Exception {
        Recorder events = new Recorder();
        ServerConfig config = ServerConfig.builder().port(0).openTcpKeepalive(true)
                .tcpKeepIdle(Duration.ofSeconds(7)).tcpKeepInterval(Duration.ofSeconds(3)).tcpKeepCount(4)
                .tcpUserTimeout(Duration.ofMillis(9500)).build();
        try (TetherServer server = TetherServer.builder().config(config).handler(events).build().start();
             TestClient c = TestClient.line(server)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> events.connects.size() == 1);
            SocketOptions o = server.connection(events.connects.get(0)).socketOptions();
            assertThat(server.isNativeTransport()).as("epoll is expected on Linux x86_64").isTrue();
            assertThat(o.nativeTransport()).isTrue();
            assertThat(o.keepAlive()).isTrue();
            assertThat(o.keepIdle()).isEqualTo(Duration.ofSeconds(7));
            assertThat(o.keepInterval()).isEqualTo(Duration.ofSeconds(3));
            assertThat(o.keepCount()).isEqualTo(4);
            assertThat(o.userTimeout()).isEqualTo(Duration.ofMillis(9500));
        }
    }

    @Test
    void keepaliveOffByDefault() throws Exception {
        Recorder events = new Recorder();
        try (TetherServer server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
             TestClient c = TestClient.line(server)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> events.connects.size() == 1);
            SocketOptions o = server.connection(events.connects.get(0)).socketOptions();
            assertThat(o.keepAlive()).isFalse();
            assertThat(o.userTimeout()).isEqualTo(Duration.ZERO);
        }
    }
}
