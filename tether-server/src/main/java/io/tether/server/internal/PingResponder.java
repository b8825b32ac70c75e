package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.health.HealthReport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Answers a client's ping (a {@code ping} line or a PING frame) once the server's own health
 * checks allow, and holds each connection to a ping rate (docs/PROTOCOL.md, "Ping rate").
 *
 * <p><b>The rate</b> is a token bucket kept in one long per connection (GCRA: the time at which
 * its allowance is full again): {@code ping_burst} pings at once, refilled at one per
 * {@code ping_min_interval}. Refilling by elapsed time is what makes it fair: pings an honest client
 * spaced out, then bunched by a stall of the server (GC, a blocking handler) or of the network,
 * arrive together and are paid for by the time the stall took. A ping read first in its read batch
 * while no pong is owed is <em>self-clocked</em> and costs nothing: the client waited for the
 * previous pong, so a closed loop (send, wait for the pong, repeat) is bounded by the round trip
 * like any request/response traffic. What the rate catches is pings the client sends without
 * waiting, faster than it may for longer than its burst: a flood. The ping that takes a connection
 * over its allowance gets a notice with its pong; every ping over it still costs (the debt must be
 * repaid before the notice can be earned again), and the one that takes it more than
 * {@code ping_strikes} pings over closes it with reason too many pings.
 *
 * <p><b>The hot path</b> (a healthy pong) reads no clock for a self-clocked ping, takes no lock, and
 * writes a line pong as a view of one shared direct buffer (no bytes allocated or copied; the epoll
 * transport writes it from its memory address). A read batch's pongs are flushed once, at its end
 * ({@link #readComplete}).
 */
final class PingResponder {
    /** Every healthy line pong is a view of these five bytes. */
    private static final ByteBuf PONG_LINE = shared("pong\n");

    private final ServerContext ctx;
    private final Ticker ticker;
    /** Null when no checks are registered: every pong is healthy and asks nobody. */
    private final HealthMonitor health;
    private final long intervalNanos;
    /** Pings outstanding at the full allowance, and at the most tolerated, times the interval. */
    private final long burstNanos;
    private final long toleratedNanos;
    private final long intervalMillis;
    private final int burst;
    private final int strikes;
    private final boolean withholdWhenUnhealthy;
    private final Frame.Notice noticeFrame;
    private final ByteBuf noticeLine;
    /** What the latest report makes a pong say, worked out once per report (a health round). */
    private volatile Answer answer;

    /** A report's pong, ready to write: for a frame (healthy, the failed checks) and for a line. */
    private record Answer(HealthReport report, boolean healthy, String failed, ByteBuf line) {
        static Answer of(HealthReport report) {
            boolean healthy = report.healthy();
            return new Answer(report, healthy, healthy ? "" : String.join(",", report.failed()),
                    healthy ? PONG_LINE : shared("pong " + report.pongSuffix() + "\n"));
        }
    }

    PingResponder(ServerContext ctx, ServerConfig config, Ticker ticker, HealthMonitor health) {
        this.ctx = ctx;
        this.ticker = ticker;
        this.health = health.hasChecks() ? health : null;
        this.intervalNanos = config.pingMinInterval().toNanos();
        this.burst = config.pingBurst();
        this.strikes = config.pingStrikes();
        this.burstNanos = intervalNanos * burst;
        this.toleratedNanos = intervalNanos * (burst + strikes);
        this.intervalMillis = config.pingMinInterval().toMillis();
        this.withholdWhenUnhealthy = config.healthFailMode() == ServerConfig.HealthFailMode.WITHHOLD;
        String notice = "too many pings: at most one every " + intervalMillis + " ms after a burst of " + burst;
        this.noticeFrame = new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, intervalMillis, notice);
        this.noticeLine = shared("notice " + notice + "\n");
    }

    /**
     * A ping from the client, read in the current read batch; {@code frameId} is the PING frame's
     * id, or -1 for a line. Its pong is written now and flushed at the batch's end, or, when the
     * health checks are running, written and flushed when they finish.
     */
    void onPing(ServerConnection c, long frameId) {
        ctx.observer.pingReceived(c);
        boolean selfClocked = !c.pingInBatch && c.owed == 0;
        c.pingInBatch = true;
        if (intervalNanos > 0 && !selfClocked && !withinRate(c)) {
            return; // closed: too many pings
        }
        if (health == null) {
            writeHealthy(c, frameId);
            return;
        }
        CompletableFuture<HealthReport> report = health.report();
        if (report.isDone()) {
            write(c, frameId, answerFor(report.join()));
        } else {
            c.owed++;
            report.whenComplete((r, e) -> c.channel.eventLoop().execute(() -> answerLate(c, frameId, r)));
        }
    }

    /** The read batch is over: its pongs (and a notice) go out in one flush. */
    void readComplete(ServerConnection c) {
        if (c.pingInBatch) {
            c.pingInBatch = false;
            c.channel.flush();
        }
    }

    /**
     * Charges a counted ping to {@code c}'s allowance: true to answer it (with a notice when it took
     * the connection over), false when it took it more than ping_strikes over and closed it.
     */
    private boolean withinRate(ServerConnection c) {
        long now = ticker.nanoTime();
        long full = c.pingTat - now > 0 ? c.pingTat : now; // earlier than now: the bucket is full
        long tat = full + intervalNanos;
        c.pingTat = tat;
        long spent = tat - now; // pings outstanding, this one included, times the interval
        if (spent <= burstNanos) {
            return true;
        }
        ctx.observer.pingStrike(c);
        if (spent > toleratedNanos) {
            long over = (spent - burstNanos + intervalNanos - 1) / intervalNanos;
            ctx.close.close(c, CloseReason.TOO_MANY_PINGS, over + " pings over the allowance (a burst of " + burst
                    + ", then one every " + intervalMillis + " ms; ping_strikes " + strikes + ")", 0);
            return false;
        }
        if (spent - intervalNanos <= burstNanos) { // this ping took it over: say so once
            c.channel.write(c.framing == Framing.FRAME ? noticeFrame : noticeLine.duplicate());
        }
        return true;
    }

    /** A ping that waited for the health checks; on the loop. */
    private void answerLate(ServerConnection c, long frameId, HealthReport report) {
        c.owed--;
        // Still answered after the peer's FIN (reason peer closed): CloseProtocol waits for it.
        if (report != null && !c.finished && (c.closeReason == null || c.closeReason == CloseReason.PEER_CLOSED)) {
            write(c, frameId, answerFor(report));
            c.channel.flush();
        }
        if (c.owed == 0) {
            ctx.close.answered(c);
        }
    }

    private Answer answerFor(HealthReport report) {
        Answer a = answer;
        if (a == null || a.report() != report) {
            answer = a = Answer.of(report); // a race only works it out twice
        }
        return a;
    }

    private void write(ServerConnection c, long frameId, Answer a) {
        if (a.healthy()) {
            writeHealthy(c, frameId);
        } else if (!withholdWhenUnhealthy) {
            c.channel.write(c.framing == Framing.FRAME ? new Frame.Pong(frameId, false, a.failed()) : a.line().duplicate());
        }
    }

    private static void writeHealthy(ServerConnection c, long frameId) {
        c.channel.write(c.framing == Framing.FRAME ? new Frame.Pong(frameId, true, "") : PONG_LINE.duplicate());
    }

    /**
     * {@code text} in a direct buffer that connections write views of ({@code duplicate()}: each
     * write moves its own reader index) and never release; the GC frees it with its last view.
     */
    private static ByteBuf shared(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct.asReadOnlyBuffer()));
    }
}
