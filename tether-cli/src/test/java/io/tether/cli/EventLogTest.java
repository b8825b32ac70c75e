package io.tether.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tether.core.close.CloseReason;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The CLI's event log on a real server with real sockets: the line budget and the summary. */
class EventLogTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger events = (Logger) LoggerFactory.getLogger("tether.events");
    private TetherServer server;
    private EventLog eventLog;

    @BeforeEach
    void capture() {
        logged.start();
        events.addAppender(logged);
    }

    @AfterEach
    void release() {
        if (server != null) {
            server.close();
        }
        if (eventLog != null) {
            eventLog.close();
        }
        events.detachAppender(logged);
        events.setLevel(null);
    }

    private int start(Duration window, int lines) {
        eventLog = new EventLog(false, window, lines);
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(2).build()).handler(eventLog).build().start();
        return server.localAddress().getPort();
    }

    /** Opens and closes {@code n} connections, waiting until the server has seen every close. */
    private void connectAndClose(int port, int n) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            sockets.add(new Socket("127.0.0.1", port));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().size() == n);
        for (Socket s : sockets) {
            s.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connections().isEmpty());
    }

    private List<String> lines(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void pastTheBudgetEventsAreCountedAndSummedUpInOneLine() throws Exception {
        int port = start(Duration.ofHours(1), 10); // one window for the whole test; close() ends it
        connectAndClose(port, 30);
        eventLog.close();

        List<String> info = lines(Level.INFO);
        assertThat(info.stream().filter(l -> l.startsWith("connect ") || l.startsWith("close "))).as("lines of their own").hasSize(10);
        assertThat(info).last().asString()
                .startsWith("30 connects, 30 closes (peer closed 30) in the last ")
                .endsWith(" s; 0 open; 50 of them past the 10 lines a window logs at INFO (--log-level debug logs each)");
        assertThat(lines(Level.DEBUG)).as("the held back ones at DEBUG, off by default").isEmpty();
    }

    @Test
    void atDebugEveryEventHasALine() throws Exception {
        events.setLevel(Level.DEBUG);
        int port = start(Duration.ofHours(1), 4);
        connectAndClose(port, 6);
        eventLog.close();

        List<String> all = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(all.stream().filter(l -> l.startsWith("connect "))).hasSize(6);
        assertThat(all.stream().filter(l -> l.startsWith("close "))).hasSize(6);
        assertThat(lines(Level.DEBUG)).hasSize(8);
        assertThat(lines(Level.INFO)).last().asString().startsWith("6 connects, 6 closes (peer closed 6)");
    }

    @Test
    void underTheBudgetNoSummary() throws Exception {
        int port = start(Duration.ofHours(1), 100);
        connectAndClose(port, 3);
        eventLog.close();
        assertThat(lines(Level.INFO)).hasSize(6).allMatch(l -> l.startsWith("connect ") || l.startsWith("close "));
    }

    @Test
    void theTimerEndsEachWindow() throws Exception {
        int port = start(Duration.ofMillis(200), 1);
        connectAndClose(port, 3);
        // The summary comes from the timer's thread, within a window or two of the last event.
        await().atMost(Duration.ofSeconds(5)).until(() -> logged.list.stream()
                .anyMatch(e -> e.getFormattedMessage().contains(" in the last ") && e.getThreadName().equals("tether-event-summary")));
    }

    @Test
    void summaryNamesReasonsMostFirst() {
        long[] closed = new long[CloseReason.values().length];
        closed[CloseReason.IDLE_TIMEOUT.ordinal()] = 198;
        closed[CloseReason.PEER_CLOSED.ordinal()] = 5000;
        assertThat(EventSummary.text(5231, closed, 133, 10329, 100, 10.0)).isEqualTo(
                "5231 connects, 5198 closes (peer closed 5000, idle timeout 198) in the last 10.0 s; 133 open; "
                        + "10329 of them past the 100 lines a window logs at INFO (--log-level debug logs each)");
    }
}
