package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.spi.ServerObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * No message is lost silently: with {@link ClientConfig.Builder#confirm} a plain message's future
 * completes only once the server has read it (the PONG of a later ping), and with resume on a
 * sequenced session once it is acknowledged; a message written to a server that froze fails with
 * {@link ConnectionLostException} after failover instead of completing. The confirmation pings
 * stay within the server's ping rate.
 */
class ClientConfirmTest {
    private static final Duration HEARTBEAT = Duration.ofMillis(500);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(1);

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        cleanup.add(c);
        return c;
    }

    /** An in-JVM server that records what its handler receives and why connections close. */
    private static final class Recording implements ServerHandler {
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<CloseInfo> closed = new CopyOnWriteArrayList<>();

        @Override
        public void onReceive(Connection conn, Message message) {
            received.add(message.text());
        }

        @Override
        public void onClose(Connection conn, CloseInfo info) {
            closed.add(info);
        }
    }

    /** Counts the client pings a server reads and the strikes it gives (pings over its ping rate). */
    private static final class PingCount implements ServerObserver {
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger strikes = new AtomicInteger();

        @Override
        public void pingReceived(Connection c) {
            pings.incrementAndGet();
        }

        @Override
        public void pingStrike(Connection c) {
            strikes.incrementAndGet();
        }
    }

    private TetherServer server(ServerConfig.Builder config, Recording handler) {
        return server(config, handler, ServerObserver.NONE);
    }

    private TetherServer server(ServerConfig.Builder config, Recording handler, ServerObserver observer) {
        TetherServer s = TetherServer.builder().config(config.port(0).workerNum(1).build()).handler(handler)
                .observer(observer).build().start();
        cleanup.add(s::close);
        return s;
    }

    private static String endpoint(TetherServer s) {
        return "127.0.0.1:" + s.localAddress().getPort();
    }

    @Test
    void aConfirmedSendCompletesOnlyOnceTheServerHasReadIt() throws Exception {
        Recording handler = new Recording();
        TetherServer server = server(ServerConfig.builder(), handler);
        TetherClient client = track(TetherClient.builder()
                .config(ClientConfig.builder().endpoint(endpoint(server)).confirm(true).build()).build().start());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ClientState.CONNECTED);
        for (int i = 0; i < 5; i++) {
            String m = "m" + i;
            // The handler runs before the server reads the PING after the message, so it has it when the future completes.
            List<String> seen = client.send(m).thenApply(v -> List.copyOf(handler.received)).get(5, TimeUnit.SECONDS);
            assertThat(seen).as("the server had read %s when its future completed", m).contains(m);
        }
    }

    /**
     * Plain session (no sessions at the server), confirm on: a message written to a frozen server's
     * socket fails "not confirmed" once the confirmation ping times out, and the client fails over.
     */
    @Test
    void aMessageWrittenToAFrozenServerFailsNotConfirmed() throws Exception {
        frozenServerFailsTheMessage(false);
    }

    /**
     * Sequenced session (sessions on at both servers), resume on: the message is not acknowledged,
     * the second server refuses the first one's resume token (CLOSE 1104) and the future fails.
     */
    @Test
    void aMessageSentToAFrozenServerFailsWhenTheOtherServerRefusesTheResume() throws Exception {
        frozenServerFailsTheMessage(true);
    }

    private void frozenServerFailsTheMessage(boolean sessions) throws Exception {
        ServerProcess frozen = track(ServerProcess.start(ServerProcess.freePort(), sessions));
        Recording atB = new Recording();
        TetherServer b = server(ServerConfig.builder().openSessions(sessions), atB);
        Events events = new Events();
        TetherClient client = track(TetherClient.builder()
                .config(ClientConfig.builder().endpoint(frozen.endpoint()).endpoint(endpoint(b))
                        .heartbeatInterval(HEARTBEAT).pingTimeout(PING_TIMEOUT).connectTimeout(Duration.ofSeconds(1))
                        .backoff(Backoff.builder().initial(Duration.ofMillis(100)).max(Duration.ofMillis(200)).build())
                        .resume(sessions).confirm(true).build())
                .listener(events).handler(events).build().start());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ClientState.CONNECTED);
        client.send("before").get(5, TimeUnit.SECONDS); // confirmed (ACK or PONG): the connection works
        await().atMost(Duration.ofSeconds(5)).until(() -> frozen.messages().contains("before"));

        frozen.signal("STOP");
        long frozenAt = System.nanoTime();
        CompletableFuture<Void> during = client.send("during the freeze");
        Throwable failure = null;
        try {
            during.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        }
        long failedMs = (System.nanoTime() - frozenAt) / 1_000_000;
        System.out.printf("sessions %s: failed %d ms after the freeze: %s%n", sessions, failedMs, failure);
        assertThat(failure).as("the future of a message the frozen server never read must fail, not complete")
                .isInstanceOf(ConnectionLostException.class);
        assertThat(failure.getMessage()).contains(sessions ? "not acknowledged" : "not confirmed");
        // Bound: the last byte read came at or before the freeze. Plain: the confirmation ping goes
        // within the server's minimum ping interval (500 ms + margin) and times out PING_TIMEOUT
        // later. Sequenced: the heartbeat ping goes within HEARTBEAT, times out PING_TIMEOUT later,
        // then one backoff (<= 200 ms) and B's CLOSE 1104. Both within heartbeat + ping timeout +
        // 200 ms = 1.7 s; tolerance +1.3 s for timers and scheduling on a shared 2-core machine.
        assertThat(failedMs).as("reported %d ms after the freeze, within 1.7 s + 1.3 s tolerance", failedMs)
                .isLessThanOrEqualTo(3000);

        await("fails over to B").atMost(Duration.ofSeconds(5))
                .until(() -> client.state() == ClientState.CONNECTED && client.connectedEndpoint().getPort() == b.localAddress().getPort());
        client.send("after").get(5, TimeUnit.SECONDS);
        // In order: had the failed message been resent, it would have arrived before "after".
        assertThat(atB.received).as("B got only what was sent to it, not the failed message").containsExactly("after");
    }

    @Test
    void aBurstOf1000ConfirmedFramesStaysWithinTheServersPingRate() throws Exception {
        burstStaysWithinThePingRate(Protocol.FRAME);
    }

    @Test
    void aBurstOf1000ConfirmedLinesStaysWithinTheServersPingRate() throws Exception {
        burstStaysWithinThePingRate(Protocol.LINE);
    }

    /**
     * The strictest ping rate a server can have (a burst of 1, no strikes: the first counted ping
     * over the rate closes the connection, without a notice) and 1,000 confirmed sends written back
     * to back, then 1,000 paced over about half a second (a ping per send would go out between
     * them), then 1,000 back to back again sooner than the minimum interval after the last
     * confirmation ping: every future completes, the server reads all 3,000, gives no strike and
     * closes nothing, and the client sent no more pings than one per minimum interval (plus the
     * first) over the whole run.
     */
    private void burstStaysWithinThePingRate(Protocol protocol) throws Exception {
        Recording handler = new Recording();
        PingCount count = new PingCount();
        long minIntervalMs = 200;
        TetherServer server = server(ServerConfig.builder().pingMinInterval(Duration.ofMillis(minIntervalMs)).pingBurst(1)
                .pingStrikes(0), handler, count);
        Events events = new Events();
        TetherClient client = track(TetherClient.builder()
                .config(ClientConfig.builder().endpoint(endpoint(server)).protocol(protocol)
                        .heartbeatInterval(Duration.ofMillis(300)).confirm(true).build())
                .listener(events).handler(events).build().start());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.state() == ClientState.CONNECTED);
        int mark = events.changes.size();
        int pingsBefore = count.pings.get();
        long start = System.nanoTime();
        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sends.add(client.send("r" + round + " line " + i));
                if (round == 1) {
                    LockSupport.parkNanos(500_000);
                }
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        int pings = count.pings.get() - pingsBefore;
        System.out.printf("%s: 3 x 1,000 confirmed sends in %d ms, %d pings read by the server, %d strikes%n",
                protocol, ms, pings, count.strikes.get());
        assertThat(pings).as("pings during %d ms: at most one per ping_min_interval (%d ms) plus the first", ms, minIntervalMs)
                .isLessThanOrEqualTo((int) (ms / minIntervalMs) + 1);
        // Heartbeats (300 ms of silence each) on top of the confirmation pings, for a second.
        await().pollDelay(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(count.strikes).as("no ping over the server's rate").hasValue(0);
        assertThat(handler.received).hasSize(3000);
        assertThat(handler.closed).as("the server closed nothing (too many pings would)").isEmpty();
        assertThat(events.pingChanges).as("no too-many-pings notice").isEmpty();
        assertThat(events.changes.subList(mark, events.changes.size())).as("still the first connection").isEmpty();
        assertThat(client.state()).isEqualTo(ClientState.CONNECTED);
    }
}
