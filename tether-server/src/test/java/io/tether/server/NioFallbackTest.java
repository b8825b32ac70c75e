package io.tether.server;

import io.tether.core.transport.SocketOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tether.core.transport.Transport;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Without native epoll the server still runs, applies what NIO can, and says what it could not. */
class NioFallbackTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger transportLog = (Logger) LoggerFactory.getLogger(Transport.class);

    @AfterEach
    void restore() {
        System.clearProperty("tether.transport");
        transportLog.detachAppender(logged);
    }

    @Test
    void nioAppliesKeepaliveAndLogsThatUserTimeoutNeedsEpoll() throws Exception {
        System.setProperty("tether.transport", "nio");
        logged.start();
        transportLog.addAppender(logged);
        Recorder events = new Recorder();
        ServerConfig config = ServerConfig.builder().port(0).openTcpKeepalive(true).tcpKeepIdle(Duration.ofSeconds(11))
                .tcpKeepInterval(Duration.ofSeconds(2)).tcpKeepCount(3).tcpUserTimeout(Duration.ofSeconds(5)).build();
        try (TetherServer server = TetherServer.builder().config(config).handler(events).build().start();
             TestClient c = TestClient.line(server)) {
            assertThat(server.isNativeTransport()).isFalse();
            c.sendLine("ping");
            assertThat(c.readLine()).isEqualTo("pong");
            await().until(() -> events.connects.size() == 1);
            SocketOptions o = server.connection(events.connects.get(0)).socketOptions();
            assertThat(o.nativeTransport()).isFalse();
            assertThat(o.keepAlive()).isTrue();
            assertThat(o.keepIdle()).isEqualTo(Duration.ofSeconds(11));
            assertThat(o.keepInterval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(o.keepCount()).isEqualTo(3);
            assertThat(o.userTimeout()).as("NIO cannot read or set TCP_USER_TIMEOUT").isNull();
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("NIO transport could not apply") && m.contains("tcp_user_timeout"));
    }
}
