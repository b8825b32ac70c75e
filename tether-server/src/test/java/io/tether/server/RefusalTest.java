package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every refusal at accept tells the client why, in its framing, on real sockets: past
 * max_connection, max_connection_per_ip and connect_rate_per_ip a frame client gets
 * {@code CLOSE(1010, "limit reached: <limit>")} and a line client an {@code error limit reached:
 * <limit>} line; a refused socket never gets onConnect and gets onClose once (LIMIT_REACHED); the
 * admitted clients and the server go on.
 */
class RefusalTest {
    private final Recorder events = new Recorder();
    private final List<TestClient> clients = new ArrayList<>();
    private TetherServer server;

    @AfterEach
    void stop() throws Exception {
        for (TestClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(ServerConfig.Builder config) {
        start(config, Ticker.systemTicker());
    }

    private void start(ServerConfig.Builder config, Ticker ticker) {
        server = TetherServer.builder().config(config.port(0).build()).handler(events).ticker(ticker).build().start();
    }

    private TestClient client(String from) throws Exception {
        TestClient c = TestClient.from(server, from);
        clients.add(c);
        return c;
    }

    /** A line client from {@code from} that is admitted: it is answered. */
    private TestClient admitted(String from) throws Exception {
        TestClient c = client(from);
        c.sendLine("ping");
        assertThat(c.readLine()).isEqualTo("pong");
        return c;
    }

    /** A frame client (preamble, HELLO) is refused with CLOSE(1010, "limit reached: " + detail), then EOF. */
    private void frameClientRefused(String from, String detail) throws Exception {
        TestClient c = client(from);
        c.raw(FrameCodec.PREAMBLE);
        c.send(new Frame.Hello("refused", 0));
        assertThat(c.readFrame()).isEqualTo(new Frame.Close(1010, "limit reached: " + detail));
        assertThat(c.awaitEof()).isTrue();
    }

    /** A line client that says something is refused with an error line, then EOF. */
    private void lineClientRefused(String from, String detail) throws Exception {
        TestClient c = client(from);
        c.sendLine("hello");
        assertThat(c.readLine()).isEqualTo("error limit reached: " + detail);
        assertThat(c.readLine()).isNull();
    }

    /** Every close so far except {@code admitted}'s is one LIMIT_REACHED with {@code detail}, and none of them connected. */
    private void refusalsWere(int count, String detail) {
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closeCount() == count);
        for (long id : events.closes.keySet()) {
            CloseInfo info = events.onlyClose(id);
            assertThat(info.reason()).isEqualTo(CloseReason.LIMIT_REACHED);
            assertThat(info.detail()).isEqualTo(detail);
            assertThat(events.connects).doesNotContain(id);
        }
    }

    @Test
    void pastMaxConnectionEachClientIsToldWhyInItsFramingUnderFramingAuto() throws Exception {
        start(ServerConfig.builder().maxConnection(2).pingMinInterval(Duration.ZERO));
        TestClient first = admitted("127.0.0.1");
        admitted("127.0.0.1");
        frameClientRefused("127.0.0.1", "max_connection 2");
        lineClientRefused("127.0.0.1", "max_connection 2");
        // One that never says a word cannot be told in its framing: closed after a short wait, unanswered.
        TestClient silent = client("127.0.0.1");
        long t0 = System.nanoTime();
        assertThat(silent.awaitEof()).isTrue();
        assertThat((System.nanoTime() - t0) / 1e9).as("refusal wait, at most 2 s").isLessThan(4.0);
        refusalsWere(3, "max_connection 2");
        assertThat(events.connects).hasSize(2);
        first.sendLine("ping");
        assertThat(first.readLine()).isEqualTo("pong");
        assertThat(server.connectionCount()).isEqualTo(2);
    }

    @Test
    void underFramingLineOrFrameTheRefusalIsAnsweredAtOnce() throws Exception {
        start(ServerConfig.builder().maxConnection(1).framing(Framing.LINE));
        admitted("127.0.0.1");
        TestClient quiet = client("127.0.0.1");
        assertThat(quiet.readLine()).as("said at accept: no need to speak first").isEqualTo("error limit reached: max_connection 1");
        assertThat(quiet.readLine()).isNull();
        server.close();
        server = null;

        events.closes.clear();
        events.connects.clear();
        start(ServerConfig.builder().maxConnection(1).framing(Framing.FRAME));
        clients.add(TestClient.frame(server));
        TestClient frame = client("127.0.0.1");
        assertThat(frame.readFrame()).isEqualTo(new Frame.Close(1010, "limit reached: max_connection 1"));
        assertThat(frame.awaitEof()).isTrue();
        refusalsWere(1, "max_connection 1");
    }

    @Test
    void aRefusedSocketThatHangsUpStillClosesOnceAsLimitReached() throws Exception {
        start(ServerConfig.builder().maxConnection(1));
        admitted("127.0.0.1");
        TestClient quitter = client("127.0.0.1");
        quitter.socket.shutdownOutput(); // FIN during the refusal wait
        assertThat(quitter.awaitEof()).isTrue();
        refusalsWere(1, "max_connection 1");
    }

    @Test
    void whatRefusedSocketsWaitingForTheirFirstByteCanCostIsBounded() throws Exception {
        // Frozen server clock: no refused socket's wait ends, and the waits' budget does not refill.
        MockTicker clock = Ticker.newMockTicker();
        start(ServerConfig.builder().maxConnection(1), clock);
        admitted("127.0.0.1");
        int budget = 1000; // ConnectionRegistry.REFUSAL_WAITS_PER_SECOND
        int over = 200;
        try (Swarm swarm = new Swarm(Duration.ofDays(1))) {
            for (int i = 0; i < budget + over; i++) {
                swarm.connect(server.localAddress(), new byte[0]); // a flood that never says a word
            }
            java.util.function.LongSupplier closed = () -> swarm.peers().stream().filter(Swarm.Peer::closed).count();
            assertThat(swarm.runUntil(() -> closed.getAsLong() >= over, Duration.ofSeconds(30))).isTrue();
            swarm.runUntil(() -> false, Duration.ofMillis(300));
            assertThat(closed.getAsLong()).as("past the budget: closed at once; within it: waiting").isEqualTo(over);
            clock.advance(2, TimeUnit.SECONDS); // the waits end
            assertThat(swarm.runUntilAllClosed(Duration.ofSeconds(30))).isZero();
        }
        refusalsWere(budget + over, "max_connection 1");
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    void pastMaxConnectionPerIpOnlyThatAddressIsRefused() throws Exception {
        start(ServerConfig.builder().maxConnectionPerIp(2).pingMinInterval(Duration.ZERO));
        TestClient first = admitted("127.0.0.1");
        admitted("127.0.0.1");
        frameClientRefused("127.0.0.1", "max_connection_per_ip 2");
        lineClientRefused("127.0.0.1", "max_connection_per_ip 2");
        admitted("127.0.0.2"); // another address has its own count
        admitted("127.0.0.2");
        refusalsWere(2, "max_connection_per_ip 2");

        // A connection of 127.0.0.1 goes: the address may have one more.
        long firstId = events.connects.get(0);
        first.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.closes.containsKey(firstId));
        admitted("127.0.0.1");
        assertThat(server.connectionCount()).isEqualTo(4);
    }

    @Test
    void fasterThanConnectRatePerIpIsRefusedUntilTheBucketRefills() throws Exception {
        // The server's own clock, simulated: the bucket refills only when the test says time passed.
        MockTicker clock = Ticker.newMockTicker();
        start(ServerConfig.builder().connectRatePerIp(2).pingMinInterval(Duration.ZERO), clock);
        String detail = "connect_rate_per_ip 2/s (burst 2)";
        admitted("127.0.0.1");
        admitted("127.0.0.1"); // the burst
        frameClientRefused("127.0.0.1", detail);
        lineClientRefused("127.0.0.1", detail);
        admitted("127.0.0.2"); // its own bucket
        clock.advance(500, TimeUnit.MILLISECONDS); // one token at 2 per second
        admitted("127.0.0.1");
        lineClientRefused("127.0.0.1", detail);
        refusalsWere(3, detail);
        assertThat(server.connectionCount()).isEqualTo(4);
    }
}
