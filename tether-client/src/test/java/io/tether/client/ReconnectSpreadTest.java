package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.EventLoopGroup;
import io.tether.core.backoff.Backoff;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 2,000 clients lose their server at the same instant (it restarts): full jitter must spread their
 * reconnects over the backoff window instead of a thundering herd. Clients share one two-thread
 * event loop group; the server runs in this JVM (4,000 sockets, well under the 20,000 fd limit).
 */
class ReconnectSpreadTest {
    private static final int CLIENTS = 2000;
    private static final Duration INITIAL = Duration.ofSeconds(4);

    /** Records when each client planned the attempt that got it connected again: report time + drawn delay. */
    static final class PlanRecorder implements ClientListener {
        private final Queue<Long> plans;
        private long plannedAt;

        PlanRecorder(Queue<Long> plans) {
            this.plans = plans;
        }

        @Override
        public void onStateChange(StateChange c) {
            if (c.to() == ClientState.RECONNECTING) {
                plannedAt = System.nanoTime() + c.delay().toNanos();
            } else if (c.to() == ClientState.CONNECTED && plannedAt != 0) {
                plans.add(plannedAt);
            }
        }
    }

    @Test
    void reconnectsAfterARestartAreSpreadOverTheBackoffWindow() {
        Queue<Long> accepted = new ConcurrentLinkedQueue<>();
        Queue<Long> planned = new ConcurrentLinkedQueue<>();
        TetherServer first = server(0, new ConcurrentLinkedQueue<>());
        int port = first.localAddress().getPort();
        EventLoopGroup group = TetherClient.newEventLoopGroup(2);
        List<TetherClient> clients = new ArrayList<>();
        TetherServer second = null;
        try {
            ClientConfig config = ClientConfig.builder().endpoint("127.0.0.1", port)
                    .heartbeatInterval(Duration.ofSeconds(60)) // this test is about reconnects, not pings
                    .connectTimeout(Duration.ofSeconds(10))
                    .backoff(Backoff.builder().initial(INITIAL).max(Duration.ofSeconds(16)).build()) // full jitter
                    .build();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(TetherClient.builder().config(config).eventLoopGroup(group)
                        .listener(new PlanRecorder(planned)).build().start());
            }
            await("all connected").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> clients.stream().allMatch(c -> c.state() == ClientState.CONNECTED));

            long t0 = System.nanoTime();
            first.shutdown(Duration.ofSeconds(2)); // every client gets CLOSE(shutdown) at once
            long downMs = (System.nanoTime() - t0) / 1_000_000;
            second = server(port, accepted);
            long upMs = (System.nanoTime() - t0) / 1_000_000;
            await("all reconnected").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                    .until(() -> accepted.size() >= CLIENTS && planned.size() >= CLIENTS
                            && clients.stream().allMatch(c -> c.state() == ClientState.CONNECTED));
            System.out.printf("reconnect spread: old server closed its 2,000 connections in %d ms, new one up at %d ms%n",
                    downMs, upMs);
            Spread plans = Spread.of("planned attempt times (client side)", planned, t0);
            Spread accepts = Spread.of("accept times (server side)", accepted, t0);

            // Full jitter draws the first delay uniformly from [0, 4 s]: 40 buckets of 100 ms, 2.5% each
            // (50 clients, binomial sd 7); clients that tried while the server was down retry over
            // [0, 8 s], which only thins the buckets. Bound: no bucket above 10% (four times the fair
            // share). Without jitter all 2,000 would share one bucket (100%).
            assertThat(plans.maxShare).as("fullest 100 ms bucket of planned reconnects: %.1f%%; bound 10%%", plans.maxShare)
                    .isLessThanOrEqualTo(10.0);
            assertThat(plans.nonEmpty).as("planned reconnects cover at least 30 of the 40 buckets of the 4 s window")
                    .isGreaterThanOrEqualTo(30);
            // The server's accept times add what the machine does: the old server needs up to a second
            // to close 2,000 connections, and a GC or scheduling stall on this shared 2-core machine
            // (other builds, paranoid leak detection) folds a few buckets into one. Bound: 20% (8x fair
            // share), still far from the 100% of a herd.
            assertThat(accepts.maxShare).as("fullest 100 ms bucket of accepted reconnects: %.1f%%; bound 20%%", accepts.maxShare)
                    .isLessThanOrEqualTo(20.0);
            assertThat(accepts.nonEmpty).as("accepts spread over at least 25 buckets (2.5 s)").isGreaterThanOrEqualTo(25);
        } finally {
            // Clients first (their sockets close with the group), so the server has nothing left to wait for.
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (second != null) {
                second.shutdown(Duration.ofSeconds(1));
            }
            first.shutdown(Duration.ZERO);
        }
    }

    /** 100 ms buckets of moments after t0. */
    record Spread(double maxShare, int nonEmpty) {
        static Spread of(String what, Queue<Long> times, long t0) {
            int[] buckets = new int[400];
            long lastMs = 0;
            for (long at : times) {
                long ms = Math.max(0, (at - t0) / 1_000_000);
                lastMs = Math.max(lastMs, ms);
                buckets[(int) Math.min(buckets.length - 1, ms / 100)]++;
            }
            int max = 0;
            int maxAt = 0;
            int nonEmpty = 0;
            StringBuilder hist = new StringBuilder();
            for (int i = 0; i < buckets.length; i++) {
                if (buckets[i] > max) {
                    max = buckets[i];
                    maxAt = i;
                }
                if (buckets[i] > 0) {
                    nonEmpty++;
                }
                if (i <= lastMs / 100) {
                    hist.append(buckets[i]).append(' ');
                }
            }
            double share = 100.0 * max / times.size();
            System.out.printf("%s: %d over %d ms, %d non-empty 100 ms buckets, fullest %d (%.1f%%) at %d-%d ms%n"
                    + "  per 100 ms: %s%n", what, times.size(), lastMs, nonEmpty, max, share, maxAt * 100, maxAt * 100 + 100, hist);
            return new Spread(share, nonEmpty);
        }
    }

    private static TetherServer server(int port, Queue<Long> connects) {
        return TetherServer.builder()
                .config(ServerConfig.builder().port(port).workerNum(2).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onConnect(Connection conn) {
                        connects.add(System.nanoTime());
                    }
                })
                .build().start();
    }
}
