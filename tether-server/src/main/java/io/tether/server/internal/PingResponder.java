package io.tether.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.health.HealthReport;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Answers a client's ping (a {@code ping} line or a PING frame) once the server's own health
 * checks allow, and enforces ping_min_interval: a ping closer than that to the previous one is a
 * strike; the first strike is answered with a notice, and more than ping_strikes in a row close
 * the connection with reason too many pings.
 */
final class PingResponder {
    private static final byte[] PONG_LINE = "pong\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext ctx;
    private final Ticker ticker;
    private final HealthMonitor health;
    private final long minIntervalNanos;
    private final long minIntervalMillis;
    private final int maxStrikes;
    private final boolean withholdWhenUnhealthy;

    PingResponder(ServerContext ctx, ServerConfig config, Ticker ticker, HealthMonitor health) {
        this.ctx = ctx;
        this.ticker = ticker;
        this.health = health;
        this.minIntervalNanos = config.pingMinInterval().toNanos();
        this.minIntervalMillis = config.pingMinInterval().toMillis();
        this.maxStrikes = config.pingStrikes();
        this.withholdWhenUnhealthy = config.healthFailMode() == ServerConfig.HealthFailMode.WITHHOLD;
    }

    /** A ping from the client; {@code frameId} is the PING frame's id, or -1 for a line. */
    void onPing(ServerConnection c, long frameId) {
        ctx.observer.pingReceived(c);
        long now = ticker.nanoTime();
        if (minIntervalNanos > 0 && c.lastClientPingAt != 0 && now - c.lastClientPingAt < minIntervalNanos) {
            ctx.observer.pingStrike(c);
            c.strikes++;
            if (c.strikes > maxStrikes) {
                ctx.close.close(c, CloseReason.TOO_MANY_PINGS, "pings closer than " + minIntervalMillis + " ms, "
                        + c.strikes + " times", 0);
                return;
            }
            if (c.strikes == 1) {
                c.channel.write(c.framing == Framing.FRAME
                        ? new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, minIntervalMillis,
                                "too many pings: at most one every " + minIntervalMillis + " ms")
                        : Unpooled.copiedBuffer("notice too many pings: at most one every " + minIntervalMillis + " ms\n",
                                StandardCharsets.US_ASCII));
            }
        } else {
            c.strikes = 0;
        }
        c.lastClientPingAt = now;
        CompletableFuture<HealthReport> report = health.report();
        if (report.isDone()) {
            answer(c, frameId, report.join());
        } else {
            report.whenComplete((r, e) -> c.channel.eventLoop().execute(() -> {
                if (!c.isClosing() && r != null) {
                    answer(c, frameId, r);
                }
            }));
        }
    }

    private void answer(ServerConnection c, long frameId, HealthReport report) {
        boolean healthy = report.healthy();
        if (!healthy && withholdWhenUnhealthy) {
            c.channel.flush(); // a notice may be waiting
            return;
        }
        if (c.framing == Framing.FRAME) {
            c.channel.writeAndFlush(new Frame.Pong(frameId, healthy, healthy ? "" : String.join(",", report.failed())));
        } else if (healthy) {
            c.channel.writeAndFlush(Unpooled.wrappedBuffer(PONG_LINE));
        } else {
            c.channel.writeAndFlush(Unpooled.copiedBuffer("pong " + report.pongSuffix() + "\n", StandardCharsets.UTF_8));
        }
    }
}
