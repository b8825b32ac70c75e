package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TetherClient#close()} on an event-loop thread returns without waiting for the socket, so
 * it never stalls a loop; called before, it waited up to a second for the client's own loop, and
 * two loops closing each other's clients each waited the full second for the other.
 */
class CloseOnEventLoopTest {
    /** A close() that does not wait takes microseconds; one that waits takes up to 1 s. */
    private static final long BOUND_MS = 200;
    private static final String PROMPT = "close() on an event-loop thread must return without waiting for the socket"
            + " (bound " + BOUND_MS + " ms; a waiting close() takes up to 1000 ms)";

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private TetherServer server;

    @BeforeEach
    void echoServer() {
        server = TetherServer.builder().config(ServerConfig.builder().port(0).workerNum(1).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message message) {
                        conn.send(message.text());
                    }
                }).build().start();
        cleanup.add(server);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    /** Remembers the thread the client's calls come from and how its CLOSED came about. */
    static final class Probe implements ClientListener {
        final AtomicReference<Thread> loopThread = new AtomicReference<>();
        final AtomicReference<StateChange> closed = new AtomicReference<>();

        @Override
        public void onStateChange(StateChange change) {
            loopThread.set(Thread.currentThread());
            if (change.to() == ClientState.CLOSED) {
                closed.set(change);
            }
        }
    }

    private TetherClient connected(EventLoopGroup group, Probe probe, MessageHandler handler) {
        TetherClient.Builder b = TetherClient.builder()
                .config(ClientConfig.builder().endpoint("127.0.0.1", server.localAddress().getPort()).build())
                .listener(probe).handler(handler);
        if (group != null) {
            b.eventLoopGroup(group);
        }
        TetherClient c = b.build();
        cleanup.add(c);
        c.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
        return c;
    }

    private static EventLoopGroup sharedGroup(int threads, List<AutoCloseable> cleanup) {
        EventLoopGroup group = TetherClient.newEventLoopGroup(threads);
        cleanup.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        return group;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isGo(byte[] message) {
        return new String(message, StandardCharsets.UTF_8).equals("go");
    }

    private static void assertClosedByClient(TetherClient c, Probe p) {
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CLOSED && p.closed.get() != null);
        assertThat(p.closed.get().closeInfo().reason()).isEqualTo(CloseReason.CLOSED_BY_CLIENT);
    }

    /**
     * Two clients on the two loops of one shared group; each one's message handler, on its own loop
     * and both at once, closes the other client and then its own.
     */
    @Test
    void clientsOnTwoLoopsOfASharedGroupCloseEachOtherWithoutWaiting() {
        EventLoopGroup group = sharedGroup(2, cleanup);
        CountDownLatch bothInHandlers = new CountDownLatch(2);
        AtomicReference<TetherClient> a = new AtomicReference<>();
        AtomicReference<TetherClient> b = new AtomicReference<>();
        AtomicLong aHandlerMs = new AtomicLong(-1);
        AtomicLong bHandlerMs = new AtomicLong(-1);
        Probe pa = new Probe();
        Probe pb = null;
        a.set(connected(group, pa, (self, m) -> {
            if (isGo(m)) {
                bothInHandlers.countDown();
                awaitQuietly(bothInHandlers); // both loops inside a handler at the same time
                long t0 = System.nanoTime();
                b.get().close();
                self.close();
                aHandlerMs.set((System.nanoTime() - t0) / 1_000_000);
            }
        }));
        // A second client lands on the other loop: the group hands its loops out in turn, but how
        // many turns building a client takes is the transport's business, so try until it does.
        for (int i = 0; i < 4 && b.get() == null; i++) {
            Probe candidate = new Probe();
            TetherClient c = connected(group, candidate, (self, m) -> {
                if (isGo(m)) {
                    bothInHandlers.countDown();
                    awaitQuietly(bothInHandlers);
                    long t0 = System.nanoTime();
                    a.get().close();
                    self.close();
                    bHandlerMs.set((System.nanoTime() - t0) / 1_000_000);
                }
            });
            if (candidate.loopThread.get() != pa.loopThread.get()) {
                b.set(c);
                pb = candidate;
            } else {
                c.close();
                group.next();
            }
        }
        assertThat(b.get()).as("a second client on the group's other loop").isNotNull();
        assertThat(pb.loopThread.get()).isNotSameAs(pa.loopThread.get());

        a.get().send("go");
        b.get().send("go");
        await().atMost(Duration.ofSeconds(10)).until(() -> aHandlerMs.get() >= 0 && bHandlerMs.get() >= 0);
        assertThat(aHandlerMs.get()).as("A's handler closing B then A: " + PROMPT).isLessThan(BOUND_MS);
        assertThat(bHandlerMs.get()).as("B's handler closing A then B: " + PROMPT).isLessThan(BOUND_MS);
        assertClosedByClient(a.get(), pa);
        assertClosedByClient(b.get(), pb);
    }

    /**
     * On a one-thread shared group, B's handler closes A (same loop) and then B itself; and a client
     * with its own group closes itself from its handler. Both are CLOSED before close() returns.
     */
    @Test
    void aHandlerClosesClientsOnItsOwnLoop() {
        EventLoopGroup group = sharedGroup(1, cleanup);
        Probe pa = new Probe();
        Probe pb = new Probe();
        TetherClient a = connected(group, pa, (self, m) -> { });
        AtomicLong handlerMs = new AtomicLong(-1);
        AtomicReference<String> statesRightAfter = new AtomicReference<>();
        TetherClient b = connected(group, pb, (self, m) -> {
            long t0 = System.nanoTime();
            a.close();
            self.close();
            handlerMs.set((System.nanoTime() - t0) / 1_000_000);
            statesRightAfter.set(a.state() + " " + self.state());
        });
        b.send("go");
        await().atMost(Duration.ofSeconds(5)).until(() -> handlerMs.get() >= 0);
        assertThat(handlerMs.get()).as("B's handler closing A and B on their shared loop: " + PROMPT).isLessThan(BOUND_MS);
        assertThat(statesRightAfter.get()).as("on the client's own loop, close() is done when it returns")
                .isEqualTo("CLOSED CLOSED");
        assertClosedByClient(a, pa);
        assertClosedByClient(b, pb);

        Probe pc = new Probe();
        AtomicLong ownMs = new AtomicLong(-1);
        AtomicReference<ClientState> ownStateRightAfter = new AtomicReference<>();
        TetherClient c = connected(null, pc, (self, m) -> {
            long t0 = System.nanoTime();
            self.close();
            ownMs.set((System.nanoTime() - t0) / 1_000_000);
            ownStateRightAfter.set(self.state());
        });
        c.send("go");
        await().atMost(Duration.ofSeconds(5)).until(() -> ownMs.get() >= 0);
        assertThat(ownMs.get()).as("a handler closing its own client (own group): " + PROMPT).isLessThan(BOUND_MS);
        assertThat(ownStateRightAfter.get()).isEqualTo(ClientState.CLOSED);
        assertClosedByClient(c, pc);
    }

    /**
     * A's loop is busy (its handler is still running) when a loop of another group, B's, closes A:
     * close() hands the close over and returns; A closes once its loop is free.
     */
    @Test
    void closeFromAnotherGroupsLoopDoesNotWaitForABusyClient() {
        CountDownLatch aBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Probe pa = new Probe();
        Probe pb = new Probe();
        TetherClient a = connected(null, pa, (self, m) -> {
            aBusy.countDown();
            awaitQuietly(release); // holds A's loop until B's close() has returned
        });
        AtomicLong closeMs = new AtomicLong(-1);
        TetherClient b = connected(null, pb, (self, m) -> {
            awaitQuietly(aBusy);
            long t0 = System.nanoTime();
            a.close();
            closeMs.set((System.nanoTime() - t0) / 1_000_000);
            release.countDown();
        });
        assertThat(pb.loopThread.get()).isNotSameAs(pa.loopThread.get());
        a.send("go");
        b.send("go");
        await().atMost(Duration.ofSeconds(10)).until(() -> closeMs.get() >= 0);
        assertThat(closeMs.get()).as("B's handler closing A while A's loop is busy: " + PROMPT).isLessThan(BOUND_MS);
        assertClosedByClient(a, pa);
        assertThat(b.state()).isEqualTo(ClientState.CONNECTED);
    }
}
