package io.tether.bench.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.tether.bench.Args;
import io.tether.bench.load.ClassHistogram;
import io.tether.bench.load.ProcStat;
import io.tether.core.tls.PemFiles;
import io.tether.core.transport.TlsEngine;
import io.tether.core.transport.Transport;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import io.tether.testkit.tls.TestPki;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TLS engines compared on the server, with plain TCP beside them in the same run: for each of
 * {@code plain}, {@code jdk}, {@code openssl} a fresh server process ({@code framing: line},
 * {@code worker_num: 1}, fixed pre-touched heap) is measured for
 *
 * <ul>
 *   <li><b>connects/s</b>: {@code --loops} client loops, each: connect, TLS handshake (full: no session
 *       resumption), {@code ping} / {@code pong}, close; counted for {@code --seconds} after a warm-up;
 *   <li><b>s_time</b>: {@code openssl s_time -new} (OpenSSL's own C client, one connection at a
 *       time, full handshakes) against the TLS servers, when the binary is there;
 *   <li><b>server CPU per operation</b>: the server's event-loop CPU over each count (steadier than
 *       the rates on a shared machine);
 *   <li><b>round trips/s</b>: {@code --connections} connections each with one {@code ping} in
 *       flight, a new one sent on each {@code pong}, for {@code --seconds};
 *   <li><b>bytes per idle connection</b>: {@code --idle} connections opened (handshake done, one
 *       ping answered) and left idle: the server's live heap ({@code jcmd GC.class_histogram}) and
 *       RSS (everything outside the fixed heap, so the OpenSSL engine's native memory too), minus
 *       the same at zero connections, divided by the count.
 * </ul>
 *
 * <p>Rounds interleave the kinds (plain, jdk, openssl, plain, ...) so drift on a shared machine
 * hits them alike; the report gives each round and the median. The client side always uses Netty
 * with the OpenSSL engine (the cheaper one), on one event-loop thread, in this process.
 *
 * <pre>
 * java -cp tether-bench/target/benchmarks.jar io.tether.bench.tls.TlsBench --rounds 3 --seconds 10 --out bench-results/tls
 * </pre>
 */
public final class TlsBench {
    private final List<String> kinds;
    private static final List<String> SERVER_JVM = List.of("-XX:+UseSerialGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
            "-XX:MarkSweepDeadRatio=0", "-Dio.netty.leakDetection.level=disabled");

    private final int rounds;
    private final int seconds;
    private final int warmup;
    private final int loops;
    private final int connections;
    private final int idle;
    private final Path out;
    private final TestPki pki;
    private final SslContext clientTls;
    private final EventLoopGroup group;
    /** kind -> metric -> one value per round. */
    private final Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    private final StringBuilder histograms = new StringBuilder();

    private TlsBench(Args a) throws Exception {
        kinds = List.of(a.text("kinds", "plain,jdk,openssl").split(","));
        rounds = a.integer("rounds", 3);
        seconds = a.integer("seconds", 10);
        warmup = a.integer("warmup", 3);
        loops = a.integer("loops", 4);
        connections = a.integer("connections", 50);
        idle = a.integer("idle", 5000);
        out = Path.of(a.text("out", "bench-results/tls"));
        Files.createDirectories(out);
        pki = TestPki.create(Files.createDirectories(out.resolve("pki")), a.flag("rsa"));
        clientTls = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(PemFiles.certificates("ca", pki.caFile))
                .endpointIdentificationAlgorithm(null) // no peer host given (no resumption): the chain is still verified
                .build();
        group = Transport.get().newGroup(1, "bench-client");
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        if (a.flag("server")) {
            serve(a);
            return;
        }
        TlsBench bench = new TlsBench(a);
        try {
            bench.run();
        } finally {
            bench.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ the server process

    private static void serve(Args a) throws Exception {
        String kind = a.text("kind", "plain");
        ServerConfig.Builder b = ServerConfig.builder().port(0).workerNum(1).framing(Framing.LINE)
                .pingMinInterval(Duration.ZERO).maxConnection(1_000_000);
        if (!"plain".equals(kind)) {
            b.sslCertFile(Path.of(a.text("cert", ""))).sslKeyFile(Path.of(a.text("key", "")))
                    .sslEngine(TlsEngine.valueOf(kind.toUpperCase(Locale.ROOT)));
        }
        TetherServer server = TetherServer.builder().config(b.build()).build().start();
        System.out.println("ready " + server.localAddress().getPort() + " " + server.tlsEngine());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if ("count".equals(line)) {
                System.out.println("count " + server.connectionCount());
                System.out.flush();
            }
        }
        server.close();
    }

    private final class ServerProcess implements AutoCloseable {
        final Process process;
        final int port;
        final BufferedReader stdout;

        ServerProcess(String kind) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(SERVER_JVM);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TlsBench.class.getName(), "--server", "--kind", kind,
                    "--cert", pki.serverChain.toString(), "--key", pki.serverKey.toString()));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("server-" + kind + ".err").toFile())).start();
            stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String ready = stdout.readLine();
            if (ready == null || !ready.startsWith("ready ")) {
                throw new IllegalStateException(kind + " server did not start (see " + out.resolve("server-" + kind + ".err") + ")");
            }
            port = Integer.parseInt(ready.split(" ")[1]);
            log(kind + " server pid " + process.pid() + " port " + port + " engine " + ready.split(" ")[2]);
        }

        int count() throws IOException {
            process.getOutputStream().write("count\n".getBytes(StandardCharsets.US_ASCII));
            process.getOutputStream().flush();
            return Integer.parseInt(stdout.readLine().split(" ")[1]);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------ the run

    private void run() throws Exception {
        long started = System.nanoTime();
        for (int round = 1; round <= rounds; round++) {
            for (String kind : kinds) {
                try (ServerProcess server = new ServerProcess(kind)) {
                    boolean tls = !"plain".equals(kind);
                    long pid = server.process.pid();
                    connects(kind, server.port, tls, warmup); // warm-up: JIT, pools
                    measured(kind, "connects", pid, () -> connects(kind, server.port, tls, seconds));
                    if (tls && sTimeAvailable()) {
                        measured(kind, "s_time connections", pid, () -> sTime(server.port));
                    }
                    roundTrips(server.port, tls, warmup);
                    measured(kind, "round trips", pid, () -> roundTrips(server.port, tls, seconds));
                    footprint(kind, server, tls, round == 1);
                }
            }
            log("round " + round + " done");
        }
        String report = report(Duration.ofNanos(System.nanoTime() - started));
        Files.writeString(out.resolve("report.md"), report);
        System.out.println(report);
    }

    /** How many operations a measurement completed, in how long. */
    private record Count(long n, long nanos) {
    }

    private interface Measurement {
        Count run() throws Exception;
    }

    /**
     * Records a rate, and the server's CPU per operation: its event loop's time (JIT and GC threads
     * left out) over the count. On a machine shared with other work the rate moves with their load;
     * the CPU per operation much less.
     */
    private void measured(String kind, String what, long pid, Measurement m) throws Exception {
        long cpu0 = ProcStat.appCpuNanos(pid);
        Count c = m.run();
        long cpu = ProcStat.appCpuNanos(pid) - cpu0;
        record(kind, what + "/s", c.n() / (c.nanos() / 1e9));
        record(kind, "server CPU µs per " + what.replaceAll("s$", ""), cpu / 1e3 / Math.max(1, c.n()));
    }

    private void record(String kind, String metric, double value) {
        results.computeIfAbsent(kind, k -> new LinkedHashMap<>()).computeIfAbsent(metric, k -> new ArrayList<>()).add(value);
        log(String.format(Locale.ROOT, "%-8s %-30s %,.1f", kind, metric, value));
    }

    private Bootstrap bootstrap(boolean tls, java.util.function.Consumer<Channel> ready, java.util.function.Consumer<Channel> onPong) {
        return new Bootstrap().group(group).channel(Transport.get().channelClass()).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls) {
                    SslHandler h = clientTls.newHandler(ch.alloc());
                    ch.pipeline().addLast(h);
                }
                ch.pipeline().addLast(new LineBasedFrameDecoder(64), new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        if (!tls) {
                            ready.accept(ctx.channel());
                        }
                        ctx.fireChannelActive();
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof SslHandshakeCompletionEvent e) {
                            if (e.isSuccess()) {
                                ready.accept(ctx.channel());
                            } else {
                                ctx.close();
                            }
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        onPong.accept(ctx.channel());
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
            }
        });
    }

    private static final byte[] PING = "ping\n".getBytes(StandardCharsets.US_ASCII);

    private static void ping(Channel ch) {
        ch.writeAndFlush(Unpooled.wrappedBuffer(PING));
    }

    /** {@code loops} connections in turn: connect, handshake, ping, pong, close; completed per second. */
    private Count connects(String kind, int port, boolean tls, int secs) throws Exception {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch stopped = new CountDownLatch(loops);
        Bootstrap[] b = new Bootstrap[1];
        b[0] = bootstrap(tls, TlsBench::ping, Channel::close);
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (!running.get()) {
                stopped.countDown();
                return;
            }
            b[0].connect("127.0.0.1", port).addListener(f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    group.schedule(next[0], 10, TimeUnit.MILLISECONDS);
                    return;
                }
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                // A pong read (the loop's goal) closes the channel; its close starts the next connection.
                ch.closeFuture().addListener(c -> {
                    done.incrementAndGet();
                    next[0].run();
                });
            });
        };
        long t0 = System.nanoTime();
        for (int i = 0; i < loops; i++) {
            group.execute(next[0]);
        }
        Thread.sleep(secs * 1000L); // the measured interval
        running.set(false);
        long elapsed = System.nanoTime() - t0;
        stopped.await(10, TimeUnit.SECONDS);
        if (failed.get() > 0) {
            log(kind + ": " + failed.get() + " connects failed");
        }
        return new Count(done.get(), elapsed);
    }

    /** {@code connections} connections, each with one ping in flight; pongs per second. */
    private Count roundTrips(int port, boolean tls, int secs) throws Exception {
        AtomicLong pongs = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch up = new CountDownLatch(connections);
        Bootstrap b = bootstrap(tls, ch -> up.countDown(), ch -> {
            pongs.incrementAndGet();
            if (running.get()) {
                ping(ch);
            }
        });
        List<Channel> chs = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            chs.add(b.connect("127.0.0.1", port).sync().channel());
        }
        if (!up.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("connections not up");
        }
        long p0 = pongs.get();
        long t0 = System.nanoTime();
        chs.forEach(TlsBench::ping);
        Thread.sleep(secs * 1000L); // the measured interval
        long n = pongs.get() - p0;
        long elapsed = System.nanoTime() - t0;
        running.set(false);
        for (Channel ch : chs) {
            ch.close().sync();
        }
        return new Count(n, elapsed);
    }

    /** Heap and RSS of the server per idle connection: {@code idle} held minus none. */
    private void footprint(String kind, ServerProcess server, boolean tls, boolean byClass) throws Exception {
        awaitCount(server, 0);
        Thread.sleep(500);
        ClassHistogram.of(server.process.pid()); // the first attach starts jcmd's listener in the server: not a connection's cost
        Map<String, long[]> h0 = ClassHistogram.of(server.process.pid());
        long rss0 = ProcStat.rssBytes(server.process.pid());
        CountDownLatch answered = new CountDownLatch(idle);
        // At most 64 handshakes in flight: all at once would queue them behind each other on the one
        // server loop past the 10 s handshake timeout (the JDK engine does about 200 a second here).
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(64);
        Bootstrap b = bootstrap(tls, TlsBench::ping, ch -> {
            answered.countDown();
            inFlight.release();
        });
        List<Channel> chs = new ArrayList<>(idle);
        for (int i = 0; i < idle; i++) {
            if (!inFlight.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(kind + ": no answer for 30 s after " + (idle - answered.getCount()) + " connections");
            }
            chs.add(b.connect("127.0.0.1", server.port).sync().channel());
        }
        if (!answered.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(kind + ": only " + (idle - answered.getCount()) + " of " + idle + " connections answered");
        }
        awaitCount(server, idle);
        Thread.sleep(1000);
        Map<String, long[]> h1 = ClassHistogram.of(server.process.pid());
        long rss1 = ProcStat.rssBytes(server.process.pid());
        record(kind, "heap B/idle conn", (ClassHistogram.totalBytes(h1) - ClassHistogram.totalBytes(h0)) / (double) idle);
        record(kind, "RSS B/idle conn", (rss1 - rss0) / (double) idle);
        if (byClass) {
            histograms.append(ClassHistogram.diff(kind, h0, h1, idle));
        }
        for (Channel ch : chs) {
            ch.close();
        }
        for (Channel ch : chs) {
            ch.closeFuture().await(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitCount(ServerProcess server, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.count() != n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("server holds " + server.count() + " connections, expected " + n);
            }
            Thread.sleep(100); // polling another process's count
        }
    }

    private static boolean sTimeAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/openssl"));
    }

    /** s_time's own rates are per second of its CPU time ("connections/user sec"), and its real time is whole seconds. */
    private static final Pattern S_TIME = Pattern.compile("(\\d+) connections in \\d+ real seconds");

    /** {@code openssl s_time -new}: full handshakes, one at a time, by OpenSSL's own client; per second of wall time. */
    private Count sTime(int port) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("/usr/bin/openssl", "s_time", "-connect", "127.0.0.1:" + port, "-new",
                "-time", Integer.toString(seconds), "-CAfile", pki.caFile.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(seconds + 30L, TimeUnit.SECONDS);
        long elapsed = System.nanoTime() - t0;
        Matcher m = S_TIME.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("openssl s_time said: " + text);
        }
        return new Count(Long.parseLong(m.group(1)), elapsed);
    }

    // ------------------------------------------------------------------ the report

    private String report(Duration took) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("## TLS bench, ").append(Instant.now()).append(" (").append(took.toSeconds()).append(" s)\n\n");
        sb.append(String.format(Locale.ROOT, "Machine: %d CPUs, %s %s, JDK %s, load average before: %s. Options: rounds %d, "
                        + "%d s per measurement (after %d s warm-up), %d connect loops, %d ping/pong connections, %d idle connections. "
                        + "Certificates: %s. Client: Netty, OpenSSL engine, one event-loop thread, in the bench process.%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.vm.version"), Files.readString(Path.of("/proc/loadavg")).trim(), rounds, seconds, warmup, loops,
                connections, idle, Files.readString(pki.serverKey).length() > 600 ? "RSA 2048" : "ECDSA P-256"));
        List<String> metrics = new ArrayList<>();
        results.values().forEach(m -> m.keySet().forEach(k -> {
            if (!metrics.contains(k)) {
                metrics.add(k);
            }
        }));
        sb.append("| metric | ").append(String.join(" | ", kinds)).append(" |\n|---|").append("---:|".repeat(kinds.size())).append('\n');
        for (String metric : metrics) {
            sb.append("| ").append(metric).append(" (median) |");
            for (String kind : kinds) {
                List<Double> v = results.getOrDefault(kind, Map.of()).get(metric);
                sb.append(v == null ? " – |" : String.format(Locale.ROOT, median(v) < 100 ? " %,.1f |" : " %,.0f |", median(v)));
            }
            sb.append('\n');
            sb.append("| ").append(metric).append(" (rounds) |");
            for (String kind : kinds) {
                List<Double> v = results.getOrDefault(kind, Map.of()).get(metric);
                sb.append(v == null ? " – |" : " " + String.join(" / ", v.stream().map(x -> String.format(Locale.ROOT, x < 100 ? "%,.1f" : "%,.0f", x)).toList()) + " |");
            }
            sb.append('\n');
        }
        sb.append(histograms);
        return sb.toString();
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static void log(String line) {
        System.err.println(Instant.now() + " " + line);
    }
}
