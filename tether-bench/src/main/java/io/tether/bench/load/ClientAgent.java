package io.tether.bench.load;

import io.tether.core.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.tether.bench.Args;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One client process of the load tool, driven over stdin/stdout by {@link BenchRun}. It holds up
 * to ~19,000 connections (a process may open 20,000 files here) from one source address, and
 * answers one line per command:
 * <ul>
 * <li>{@code open HOST PORT COUNT SRC RECONNECT} opens COUNT more connections, {@code OPENED ok failed ms}
 * <li>{@code count}: {@code COUNT connected}
 * <li>{@code rate MS}: every connection sends {@code ping} every MS ms (0 stops), phases spread; {@code RATE}
 * <li>{@code stats}: {@code STATS sent received histogram}, all since the previous stats
 * <li>{@code blast CONNS MS}: closed loop on CONNS connections for MS ms, {@code BLAST roundTrips ms histogram}
 * <li>{@code silent K}: K connections each send a last line at T0 and then nothing; {@code SILENT k}
 * <li>{@code lateness TIMEOUTMS}: waits for their closes, {@code LATENESS closed notClosed histogram(T1-T0)}
 * <li>{@code closeall}, {@code quit}
 * </ul>
 * Everything it starts is bounded: stdin EOF or {@code --max-seconds} end the process.
 */
public final class ClientAgent {
    final EventLoopGroup group;
    final EventLoop loop;
    final List<AgentConn> conns = new ArrayList<>();
    final AtomicInteger connected = new AtomicInteger();
    final Recorder rtt = new Recorder(Histograms.HIGHEST, 3);
    final Recorder closeDelay = new Recorder(Histograms.HIGHEST, 3);
    long sent;
    long received;
    private long sentMark;
    private long receivedMark;
    private Bootstrap bootstrap;
    private long rateNanos;
    private long rateStart;
    private int ratePos;
    private io.netty.util.concurrent.ScheduledFuture<?> rateTask;

    ClientAgent() {
        group = Transport.get().newGroup(1, "bench");
        loop = group.next();
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        long maxSeconds = args.longValue("max-seconds", 3600);
        Thread limit = new Thread(() -> {
            try {
                Thread.sleep(maxSeconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            System.exit(3);
        });
        limit.setDaemon(true);
        limit.start();
        new ClientAgent().serve();
        System.exit(0);
    }

    private void serve() throws Exception {
        System.out.println("AGENT " + ProcessHandle.current().pid() + " " + Transport.get().name());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            String reply;
            switch (w[0]) {
                case "open":
                    reply = open(w[1], Integer.parseInt(w[2]), Integer.parseInt(w[3]), w[4], w[5].equals("1"));
                    break;
                case "count":
                    reply = "COUNT " + connected.get();
                    break;
                case "rate":
                    reply = onLoop(() -> rate(Long.parseLong(w[1])));
                    break;
                case "stats":
                    reply = onLoop(this::stats);
                    break;
                case "blast":
                    reply = blast(Integer.parseInt(w[1]), Long.parseLong(w[2]));
                    break;
                case "silent":
                    reply = onLoop(() -> silent(Integer.parseInt(w[1])));
                    break;
                case "lateness":
                    reply = lateness(Long.parseLong(w[1]));
                    break;
                case "closeall":
                    reply = closeAll();
                    break;
                case "quit":
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                    return;
                default:
                    reply = "ERROR unknown command " + w[0];
            }
            System.out.println(reply);
            System.out.flush();
        }
    }

    /** Runs on the event loop, which owns every connection's state, and waits for the answer. */
    private String onLoop(java.util.concurrent.Callable<String> task) throws Exception {
        return loop.submit(task).get(60, TimeUnit.SECONDS);
    }

    private String open(String host, int port, int count, String src, boolean reconnect) throws Exception {
        if (bootstrap == null) {
            bootstrap = new Bootstrap().group(loop).channel(Transport.get().channelClass())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter());
        }
        InetSocketAddress remote = new InetSocketAddress(host, port);
        InetSocketAddress local = new InetSocketAddress(src, 0);
        Semaphore inFlight = new Semaphore(256); // bounded connect burst, so the accept queue never overflows
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            AgentConn c = new AgentConn(this, remote, local, reconnect);
            loop.execute(() -> conns.add(c));
            c.connect(bootstrap, success -> {
                (success ? ok : failed).incrementAndGet();
                inFlight.release();
            });
        }
        inFlight.acquire(256);
        return "OPENED " + ok.get() + " " + failed.get() + " " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** Pings sent and pongs received since the previous stats, and their round trips. */
    private String stats() {
        String r = "STATS " + (sent - sentMark) + " " + (received - receivedMark) + " " + Histograms.encode(rtt.getIntervalHistogram());
        sentMark = sent;
        receivedMark = received;
        return r;
    }

    private String rate(long ms) {
        if (rateTask != null) {
            rateTask.cancel(false);
            rateTask = null;
        }
        rateNanos = TimeUnit.MILLISECONDS.toNanos(ms);
        if (ms > 0) {
            rateStart = System.nanoTime();
            ratePos = 0;
            rateTask = loop.scheduleAtFixedRate(this::rateTick, 10, 10, TimeUnit.MILLISECONDS);
        }
        return "RATE " + ms;
    }

    /** Sends the pings that fell due since the last tick: connection i pings at phase i/N of the interval. */
    private void rateTick() {
        int n = conns.size();
        if (n == 0) {
            return;
        }
        long elapsed = System.nanoTime() - rateStart;
        long due = (long) (elapsed / (double) rateNanos * n);
        long target = Math.min(due, (long) ratePos + n); // after a stall, at most one round at once
        while (ratePos < target) {
            conns.get(ratePos % n).ping();
            ratePos++;
        }
        if (ratePos >= n && due >= n) {
            rateStart += rateNanos;
            ratePos -= n;
        }
    }

    private String blast(int count, long ms) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        rtt.getIntervalHistogram(); // drop round trips recorded before the blast
        long r0 = Long.parseLong(onLoop(() -> Long.toString(received)));
        onLoop(() -> {
            for (int i = 0; i < Math.min(count, conns.size()); i++) {
                conns.get(i).startBlast(end);
            }
            return "";
        });
        Thread.sleep(ms + 200);
        long r1 = Long.parseLong(onLoop(() -> Long.toString(received)));
        return "BLAST " + (r1 - r0) + " " + ms + " " + Histograms.encode(rtt.getIntervalHistogram());
    }

    private String silent(int k) {
        rate(0);
        int n = 0;
        for (AgentConn c : conns) {
            if (n == k) {
                break;
            }
            if (c.goSilent()) {
                n++;
            }
        }
        return "SILENT " + n;
    }

    private String lateness(long timeoutMs) throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            String open = onLoop(() -> Long.toString(conns.stream().filter(AgentConn::silentAndOpen).count()));
            if (open.equals("0")) {
                break;
            }
            Thread.sleep(50);
        }
        String notClosed = onLoop(() -> Long.toString(conns.stream().filter(AgentConn::silentAndOpen).count()));
        Histogram h = closeDelay.getIntervalHistogram();
        return "LATENESS " + h.getTotalCount() + " " + notClosed + " " + Histograms.encode(h);
    }

    private String closeAll() throws Exception {
        onLoop(() -> {
            rate(0);
            for (AgentConn c : conns) {
                c.closeForGood();
            }
            conns.clear();
            return "";
        });
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (connected.get() > 0 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return "CLOSED " + connected.get();
    }
}
