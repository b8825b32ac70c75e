package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Text a peer chose (a HELLO's client name, a CLOSE frame's reason) reaches the server's log lines
 * and close details escaped: no escape sequence for the operator's terminal, no line of its own.
 */
class PeerTextInLogsTest {
    /** Clears the screen, returns the cursor, and forges a line of the server's own. */
    private static final String HOSTILE = "x\u001b[2J\r12:00:00.000 WARN  [tether-io-1-1] io.tether.server - connection 1 closed: all is fine\nok";
    private static final String ESCAPED = "x\\x1b[2J\\r12:00:00.000 WARN  [tether-io-1-1] io.tether.server - connection 1 closed: all is fine\\nok";

    private final Recorder events = new Recorder();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger serverLog = (Logger) LoggerFactory.getLogger("io.tether.server");
    private Level level;
    private TetherServer server;

    @BeforeEach
    void listen() {
        level = serverLog.getLevel();
        serverLog.setLevel(Level.DEBUG);
        logged.start();
        serverLog.addAppender(logged);
        server = TetherServer.builder().config(ServerConfig.builder().port(0).build()).handler(events).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        serverLog.detachAppender(logged);
        serverLog.setLevel(level);
    }

    private TestClient hello(String name) throws Exception {
        TestClient c = new TestClient(server.localAddress());
        c.raw(FrameCodec.PREAMBLE);
        c.send(new Frame.Hello(name, 0));
        assertThat(c.readFrame()).isInstanceOf(Frame.Welcome.class);
        return c;
    }

    @Test
    void aHelloClientNameIsLoggedEscaped() throws Exception {
        try (TestClient c = hello(HOSTILE)) {
            await().until(() -> logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("hello from")));
            String line = logged.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("hello from"))
                    .findFirst().orElseThrow();
            assertThat(line).contains("'" + ESCAPED + "'").doesNotContain("\u001b", "\r", "\n");
        }
    }

    @Test
    void aCloseFrameReasonIsEscapedInThePeerClosedDetail() throws Exception {
        try (TestClient c = hello("fine")) {
            c.send(new Frame.Close(CloseReason.CLOSED_BY_CLIENT.code(), HOSTILE));
            await().until(() -> events.closeCount() == 1);
            CloseInfo info = events.closes.values().iterator().next().get(0);
            assertThat(info.reason()).isEqualTo(CloseReason.PEER_CLOSED);
            assertThat(info.detail()).isEqualTo("CLOSE frame 1007: " + ESCAPED);
        }
    }

    @Test
    void aLongCloseFrameReasonIsCutAndSaysItsLength() throws Exception {
        try (TestClient c = hello("fine")) {
            c.send(new Frame.Close(CloseReason.CLOSED_BY_CLIENT.code(), "z".repeat(100_000)));
            await().until(() -> events.closeCount() == 1);
            String detail = events.closes.values().iterator().next().get(0).detail();
            assertThat(detail).hasSizeLessThan(300).endsWith("... (100000 bytes)");
        }
    }
}
