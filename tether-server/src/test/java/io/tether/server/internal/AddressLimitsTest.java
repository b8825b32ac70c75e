package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import io.tether.server.ServerConfig;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-address limits on a simulated clock, and the promise that their state is bounded: an address
 * is remembered only while it holds connections or its connect-rate bucket is not full again.
 */
class AddressLimitsTest {
    private final MockTicker clock = Ticker.newMockTicker();
    private final EmbeddedChannel channel = new EmbeddedChannel(); // its loop runs scheduled sweeps only when asked
    private final EventExecutor loop = channel.eventLoop();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static InetAddress address(int i) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
    }

    @Test
    void offItKeepsNothing() throws Exception {
        AddressLimits limits = new AddressLimits(ServerConfig.builder().build(), clock);
        for (int i = 0; i < 100; i++) {
            assertThat(limits.admit(address(i), loop)).isNull();
        }
        assertThat(limits.size()).isZero();
    }

    @Test
    void connectionsPerAddressAreCountedAndForgottenAtZero() throws Exception {
        AddressLimits limits = new AddressLimits(ServerConfig.builder().maxConnectionPerIp(2).build(), clock);
        InetAddress a = address(1);
        InetAddress b = address(2);
        assertThat(limits.admit(a, loop)).isNull();
        assertThat(limits.admit(a, loop)).isNull();
        assertThat(limits.admit(a, loop)).isEqualTo("max_connection_per_ip 2");
        assertThat(limits.admit(b, loop)).isNull();
        assertThat(limits.size()).isEqualTo(2);
        limits.release(a, loop);
        assertThat(limits.admit(a, loop)).as("one went: room for one").isNull();
        limits.release(a, loop);
        limits.release(a, loop);
        limits.release(b, loop);
        assertThat(limits.size()).as("no connections left: nothing remembered, no sweep needed").isZero();
    }

    @Test
    void theRateBucketRefillsAndAFullOneIsForgotten() throws Exception {
        AddressLimits limits = new AddressLimits(ServerConfig.builder().connectRatePerIp(2).connectBurstPerIp(3).build(), clock);
        InetAddress a = address(1);
        for (int i = 0; i < 3; i++) {
            assertThat(limits.admit(a, loop)).isNull();
        }
        assertThat(limits.admit(a, loop)).isEqualTo("connect_rate_per_ip 2/s (burst 3)");
        clock.advance(500, TimeUnit.MILLISECONDS);
        assertThat(limits.admit(a, loop)).isNull();
        assertThat(limits.admit(a, loop)).isNotNull();
        for (int i = 0; i < 4; i++) {
            limits.release(a, loop);
        }
        assertThat(limits.size()).as("no connection, but its bucket is not full: a reconnect must not reset it").isEqualTo(1);
        clock.advance(1, TimeUnit.SECONDS);
        limits.sweep(loop);
        assertThat(limits.size()).as("2 of 3 tokens back").isEqualTo(1);
        clock.advance(500, TimeUnit.MILLISECONDS);
        limits.sweep(loop);
        assertThat(limits.size()).as("full again: forgotten").isZero();
    }

    @Test
    void manyAddressesPassingThroughLeaveNothingBehind() throws Exception {
        AddressLimits limits = new AddressLimits(ServerConfig.builder().maxConnectionPerIp(5).connectRatePerIp(10).build(), clock);
        for (int i = 0; i < 50_000; i++) {
            InetAddress a = address(i);
            assertThat(limits.admit(a, loop)).isNull();
            limits.release(a, loop);
        }
        assertThat(limits.size()).as("each within its refill time").isEqualTo(50_000);
        clock.advance(1, TimeUnit.SECONDS); // a bucket of 10 at 10 per second: full again after 0.1 s
        channel.runPendingTasks();
        limits.sweep(loop);
        assertThat(limits.size()).isZero();
    }
}
