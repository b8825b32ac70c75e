package io.tether.cluster;

import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tether.client.ClientConfig;
import io.tether.client.Protocol;
import io.tether.client.TetherClient;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import io.tether.testkit.Requires;
import io.tether.testkit.process.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: measures what keeping resumable sessions in Redis ({@code cluster_resume}) costs,
 * against a node of the same cluster with {@code resume(false)} (sessions resume only on their
 * node; no Redis on the message path), measured in the same run, in interleaved rounds:
 * <ul>
 *   <li>latency per message, one outstanding at a time: the round trip client send, server
 *       handler, {@code session.send(reply)}, client handler; the client's send future (the ACK);
 *       a server-to-client send alone; and rates with a window of sends in flight;</li>
 *   <li>Redis commands per message each way (INFO commandstats, scripts' commands included);</li>
 *   <li>Redis memory per detached kept session (INFO used_memory, and MEMORY USAGE of its keys),
 *       and per unacknowledged message held for it.</li>
 * </ul>
 * One redis-server per phase, nodes in this JVM, frame framing, open_sessions, resume window
 * 30 s (the memory phase: 10 min, so its sessions stay detached while it runs), a resumable
 * TetherClient. Netty's leak detector is turned off here (it records a stack trace per buffer at
 * {@code paranoid}, the tests' level). Run:
 * {@code nice -n 19 ./mvnw -B -q -o -pl tether-cluster -am test -Dtest=KeptSessionCostMeasurement -Dtether.cluster.measure=true -Dsurefire.failIfNoSpecifiedTests=false}
 */
@EnabledIfSystemProperty(named = "tether.cluster.measure", matches = "true")
@Requires(binaries = "redis-server")
class KeptSessionCostMeasurement {
    private static final int ROUNDS = Integer.getInteger("tether.measure.rounds", 3);
    private static final int SAMPLES = Integer.getInteger("tether.measure.samples", 3000);
    private static final int RATE_MESSAGES = 20_000;
    private static final int WINDOW = 256;
    private static final int SESSIONS = Integer.getInteger("tether.measure.sessions", 2000);
    private static final int PER_SESSION = 100;
    private static final String PAD32 = "x".repeat(32);

    /** A node whose application binds on {@code login}, answers {@code e...} with {@code r...}, and ignores the rest. */
    static final class Node implements AutoCloseable {
        final TetherServer server;
        final TetherCluster cluster;
        final Map<String, Session> byUser = new ConcurrentHashMap<>();

        Node(String redis, String id, boolean resume, Duration window) {
            TetherServer[] ref = new TetherServer[1];
            server = TetherServer.builder()
                    .config(ServerConfig.builder().host("127.0.0.1").port(0).workerNum(1).framing(Framing.FRAME).openSessions(true)
                            .sessionResumeWindow(window).build())
                    .handler(new ServerHandler() {
                        @Override
                        public void onReceive(Connection conn, Message m) {
                            Session s = ref[0].sessions().of(conn);
                            String t = m.text();
                            if (t.startsWith("e")) {
                                s.send("r" + t.substring(1));
                            } else if (t.startsWith("login ")) {
                                String user = t.substring(6);
                                s.bind(user);
                                s.attributes().put("score", 41L);
                                s.attributes().put("name", "Ada");
                                byUser.put(user, s);
                            }
                        }
                    }).build();
            ref[0] = server;
            cluster = TetherCluster.join(server, ClusterConfig.builder().redis(redis).nodeId(id).resume(resume).build());
            server.start();
        }

        int port() {
            return server.localAddress().getPort();
        }

        @Override
        public void close() {
            server.close();
            cluster.close();
        }
    }

    /** A resumable frame client that counts what it receives, and lets a thread wait for the next one. */
    static final class Client implements AutoCloseable {
        final TetherClient client;
        final Semaphore received = new Semaphore(0);

        Client(int port, io.netty.channel.EventLoopGroup group) {
            TetherClient.Builder b = TetherClient.builder().config(ClientConfig.builder().endpoint("127.0.0.1:" + port)
                    .protocol(Protocol.FRAME).resume(true).build()).handler((c, m) -> received.release());
            if (group != null) {
                b.eventLoopGroup(group);
            }
            client = b.build();
            client.start();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    @Test
    void measure() throws Exception {
        System.out.println("MEASURE netty leak detection was " + ResourceLeakDetector.getLevel() + ", now DISABLED for this run");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        latencyAndCommands();
        memory(false);
        memory(true);
    }

    // ------------------------------------------------------------------ latency, rate, commands per message

    private void latencyAndCommands() throws Exception {
        try (RedisServer redis = RedisServer.start(0);
                Node off = new Node(redis.uri(), "OFF", false, Duration.ofSeconds(30));
                Node on = new Node(redis.uri(), "ON", true, Duration.ofSeconds(30));
                Client cOff = new Client(off.port(), null);
                Client cOn = new Client(on.port(), null)) {
            RedisClient rc = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> stats = rc.connect()) {
                cOff.client.send("login off").get(10, TimeUnit.SECONDS);
                cOn.client.send("login on").get(10, TimeUnit.SECONDS);
                await().until(() -> off.byUser.containsKey("off") && on.byUser.containsKey("on"));
                System.out.println("MEASURE kept: OFF session resumable " + off.byUser.get("off").resumable() + ", ON " + on.byUser.get("on").resumable()
                        + ", kept-session hashes in Redis " + keys(stats.sync(), "{tether}:r:*").size());
                // warm-up: JIT, connections, Lua script cache
                for (Object[] m : List.of(new Object[] {"off", off, cOff}, new Object[] {"on", on, cOn})) {
                    roundTrips((Client) m[2], 2000);
                    oneWay((Node) m[1], (String) m[0], (Client) m[2], 2000);
                    acks((Client) m[2], 2000);
                }
                for (int round = 1; round <= ROUNDS; round++) {
                    boolean offFirst = round % 2 == 1;
                    for (int k = 0; k < 2; k++) {
                        boolean isOff = offFirst == (k == 0);
                        String mode = isOff ? "off" : "on";
                        Node n = isOff ? off : on;
                        Client c = isOff ? cOff : cOn;
                        long[][] rt = roundTrips(c, SAMPLES);
                        print("round trip (client send -> handler -> session.send -> client)", mode, round, rt[0]);
                        print("ack of that send (client send -> send future done)", mode, round, rt[1]);
                        stats.sync().configResetstat();
                        long[] ow = oneWay(n, mode, c, SAMPLES);
                        Map<String, Long> s2c = commandstats(stats);
                        print("server->client (session.send -> client handler)", mode, round, ow);
                        report("per server->client message (incl. the client's ACK of it)", mode, round, s2c, SAMPLES);
                        stats.sync().configResetstat();
                        long[] ack = acks(c, SAMPLES);
                        Map<String, Long> c2s = commandstats(stats);
                        print("client->server, no reply (client send -> ACK)", mode, round, ack);
                        report("per client->server message (one per read batch here)", mode, round, c2s, SAMPLES);
                        rateToClient(n, mode, c, round);
                        rateFromClient(mode, c, round);
                    }
                }
            } finally {
                rc.shutdown();
            }
        }
    }

    /** {round trip ns, ack ns} per message, one outstanding at a time. */
    private static long[][] roundTrips(Client c, int samples) throws Exception {
        long[] rt = new long[samples];
        long[] ack = new long[samples];
        c.received.drainPermits();
        for (int i = 0; i < samples; i++) {
            long t = System.nanoTime();
            long[] acked = new long[1];
            CompletableFuture<Void> f = c.client.send("e" + PAD32 + i).whenComplete((v, e) -> acked[0] = System.nanoTime());
            c.received.acquire();
            rt[i] = System.nanoTime() - t;
            f.get(10, TimeUnit.SECONDS);
            ack[i] = acked[0] - t;
        }
        return new long[][] {rt, ack};
    }

    /** session.send on the server, from this thread, to the client's handler; one at a time. */
    private static long[] oneWay(Node n, String user, Client c, int samples) throws Exception {
        Session s = n.byUser.get(user);
        long[] ns = new long[samples];
        c.received.drainPermits();
        for (int i = 0; i < samples; i++) {
            long t = System.nanoTime();
            if (!s.send("s" + PAD32 + i)) {
                throw new IllegalStateException("send refused at " + i);
            }
            c.received.acquire();
            ns[i] = System.nanoTime() - t;
        }
        return ns;
    }

    /** A client message the server does not answer, until its send future is done (the ACK); one at a time. */
    private static long[] acks(Client c, int samples) throws Exception {
        long[] ns = new long[samples];
        for (int i = 0; i < samples; i++) {
            long t = System.nanoTime();
            c.client.send("n" + PAD32 + i).get(10, TimeUnit.SECONDS);
            ns[i] = System.nanoTime() - t;
        }
        return ns;
    }

    private static void rateToClient(Node n, String user, Client c, int round) throws Exception {
        Session s = n.byUser.get(user);
        c.received.drainPermits();
        long sent = 0;
        long got = 0;
        long refused = 0;
        long t = System.nanoTime();
        for (int i = 0; i < RATE_MESSAGES; i++) {
            String m = "t" + PAD32 + i;
            // In flight: received by the client's handler (whose ACK follows at the end of its read batch) and
            // acknowledged (the server's replay buffer, bounded by session_replay_buffer: more ends the session).
            while (sent - got >= WINDOW || s.replayBytes() >= (long) WINDOW * m.length()) {
                if (c.received.tryAcquire(200, TimeUnit.MICROSECONDS)) {
                    got += 1 + c.received.drainPermits();
                }
            }
            if (s.send(m)) {
                sent++;
            } else {
                refused++;
            }
        }
        if (!c.received.tryAcquire((int) (sent - got), 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("server->client rate: messages missing");
        }
        double secs = (System.nanoTime() - t) / 1e9;
        System.out.printf(Locale.ROOT, "MEASURE rate server->client mode=%s round=%d: %,.0f messages/s (%,d messages, %d in flight, received and acknowledged; %d refused)%n",
                user, round, sent / secs, sent, WINDOW, refused);
    }

    private static void rateFromClient(String mode, Client c, int round) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        long t = System.nanoTime();
        for (int i = 0; i < RATE_MESSAGES; i++) {
            window.acquire();
            c.client.send("n" + PAD32 + i).whenComplete((v, e) -> window.release());
        }
        if (!window.tryAcquire(WINDOW, 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("client->server rate: ACKs missing");
        }
        double secs = (System.nanoTime() - t) / 1e9;
        System.out.printf(Locale.ROOT, "MEASURE rate client->server (acked) mode=%s round=%d: %,.0f messages/s (%,d messages, %d in flight)%n",
                mode, round, RATE_MESSAGES / secs, RATE_MESSAGES, WINDOW);
    }

    private static void print(String what, String mode, int round, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "MEASURE latency %s mode=%s round=%d: p50 %.0f us, p99 %.0f us, max %.0f us (%d)%n", what, mode, round,
                s[s.length / 2] / 1e3, s[s.length * 99 / 100] / 1e3, s[s.length - 1] / 1e3, s.length);
    }

    // ------------------------------------------------------------------ Redis memory per detached session and per message

    private void memory(boolean resume) throws Exception {
        String mode = resume ? "on" : "off";
        EventLoopGroup clientLoop = TetherClient.newEventLoopGroup(1);
        try (RedisServer redis = RedisServer.start(0);
                Node node = new Node(redis.uri(), "M", resume, Duration.ofMinutes(10));
                Relay relay = new Relay(node.port())) {
            RedisClient rc = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> conn = rc.connect()) {
                RedisCommands<String, String> r = conn.sync();
                await().until(() -> r.exists("{tether}:nodes") == 1);
                long before = usedMemory(r);
                List<Client> clients = new ArrayList<>();
                List<CompletableFuture<Void>> logins = new ArrayList<>();
                for (int i = 0; i < SESSIONS; i++) {
                    Client c = new Client(relay.port(), clientLoop);
                    clients.add(c);
                    logins.add(c.client.send("login u" + i));
                }
                CompletableFuture.allOf(logins.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> node.byUser.size() == SESSIONS);
                if (resume) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> keys(r, "{tether}:ru:*").size() == SESSIONS);
                }
                long attached = usedMemory(r);
                relay.cut(); // a reset, no CLOSE frame: each session detaches and waits for its client
                await().atMost(Duration.ofSeconds(60)).until(() -> node.byUser.values().stream().allMatch(s -> s.state() == Session.State.DETACHED));
                clients.forEach(Client::close); // they were reconnecting to a closed port: nothing reaches the server
                await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true); // the last scripts land
                long detached = usedMemory(r);
                System.out.printf(Locale.ROOT, "MEASURE memory mode=%s: used_memory %,d B before, +%,d B with %d attached sessions, +%,d B detached "
                        + "= %.0f B per detached session (%d of %d detached)%n", mode, before, attached - before, SESSIONS, detached - before,
                        (detached - before) / (double) SESSIONS,
                        node.byUser.values().stream().filter(s -> s.state() == Session.State.DETACHED).count(), SESSIONS);
                keyBreakdown(r, mode);
                for (int size : new int[] {32, 1024}) {
                    Map<String, Long> k0 = prefixUsage(r);
                    long m0 = usedMemory(r);
                    r.configResetstat();
                    String payload = "p".repeat(size);
                    ArrayDeque<CompletableFuture<Long>> inFlight = new ArrayDeque<>();
                    long reached = 0;
                    for (int j = 0; j < PER_SESSION; j++) {
                        for (int i = 0; i < SESSIONS; i++) {
                            inFlight.add(node.cluster.sendToUser("u" + i, payload));
                            if (inFlight.size() >= WINDOW) {
                                reached += inFlight.poll().get(30, TimeUnit.SECONDS);
                            }
                        }
                    }
                    while (!inFlight.isEmpty()) {
                        reached += inFlight.poll().get(30, TimeUnit.SECONDS);
                    }
                    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true); // the node reads its inbox
                    report("per cluster.sendToUser to a user whose one session is detached (payload " + size + " B)", mode, 0,
                            commandstats(conn), (double) SESSIONS * PER_SESSION);
                    long m1 = usedMemory(r);
                    Map<String, Long> k1 = prefixUsage(r);
                    long n = (long) SESSIONS * PER_SESSION;
                    StringBuilder by = new StringBuilder();
                    k1.forEach((p, v) -> by.append(String.format(Locale.ROOT, " %s %+.1f", p, (v - k0.getOrDefault(p, 0L)) / (double) n)));
                    System.out.printf(Locale.ROOT, "MEASURE memory mode=%s payload=%d: %,d messages (%,d reached), used_memory +%,d B = %.1f B per message, "
                            + "%.1f B over the payload; MEMORY USAGE growth per message by key kind:%s%n", mode, size, n, reached, m1 - m0,
                            (m1 - m0) / (double) n, (m1 - m0) / (double) n - size, by);
                }
                long alive = node.byUser.values().stream().filter(s -> s.state() == Session.State.DETACHED).count();
                System.out.printf(Locale.ROOT, "MEASURE memory mode=%s: %d of %d sessions still detached at the end%n", mode, alive, SESSIONS);
            } finally {
                rc.shutdown();
            }
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** MEMORY USAGE of one kept session's keys, and each key kind's total over all keys. */
    private static void keyBreakdown(RedisCommands<String, String> r, String mode) {
        Map<String, Long> byKind = prefixUsage(r);
        Map<String, Long> count = new TreeMap<>();
        for (String k : keys(r, "{tether}:*")) {
            count.merge(kind(k), 1L, Long::sum);
        }
        StringBuilder all = new StringBuilder();
        byKind.forEach((p, v) -> all.append(String.format(Locale.ROOT, " %s %,d B in %d keys (%.1f B per session);", p, v, count.get(p),
                v / (double) SESSIONS)));
        System.out.println("MEASURE memory mode=" + mode + " keys by kind (MEMORY USAGE SAMPLES 0):" + all);
        List<String> kept = keys(r, "{tether}:r:*");
        if (kept.isEmpty()) {
            return;
        }
        String gid = kept.get(0).substring("{tether}:r:".length());
        Map<String, String> h = r.hgetall("{tether}:r:" + gid);
        System.out.printf(Locale.ROOT, "MEASURE memory mode=%s one session %s: r: %d B (%d fields, attributes %d B), m: %s B, rt: %d B, ru:%s %d B%n", mode, gid,
                usage(r, "{tether}:r:" + gid), h.size(), h.getOrDefault("a", "").length(), r.exists("{tether}:m:" + gid) == 1 ? usage(r, "{tether}:m:" + gid) : "(none)",
                usage(r, "{tether}:rt:" + h.get("t")), h.get("u"), usage(r, "{tether}:ru:" + h.get("u")));
    }

    private static String kind(String key) {
        String rest = key.substring("{tether}:".length());
        int colon = rest.indexOf(':');
        return colon < 0 ? rest : rest.substring(0, colon + 1);
    }

    private static Map<String, Long> prefixUsage(RedisCommands<String, String> r) {
        Map<String, Long> m = new TreeMap<>();
        for (String k : keys(r, "{tether}:*")) {
            m.merge(kind(k), usage(r, k), Long::sum);
        }
        return m;
    }

    private static long usage(RedisCommands<String, String> r, String key) {
        Long v = r.dispatch(CommandType.MEMORY, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("USAGE").addKey(key).add("SAMPLES").add(0));
        return v == null ? 0 : v;
    }

    private static List<String> keys(RedisCommands<String, String> r, String pattern) {
        List<String> out = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = r.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
            out.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return out;
    }

    private static long usedMemory(RedisCommands<String, String> r) {
        for (String line : r.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("no used_memory in INFO memory");
    }

    // ------------------------------------------------------------------ commandstats

    /** Commands called since the last reset (as ClusterCostMeasurement counts them), without the reset itself. */
    private static Map<String, Long> commandstats(StatefulRedisConnection<String, String> c) {
        Map<String, Long> m = ClusterCostMeasurement.commandstats(c);
        m.remove("config|resetstat");
        return m;
    }

    private static void report(String what, String mode, int round, Map<String, Long> stats, double per) {
        long scripts = stats.getOrDefault("eval", 0L) + stats.getOrDefault("evalsha", 0L);
        long all = stats.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder detail = new StringBuilder();
        stats.forEach((k, v) -> detail.append(String.format(Locale.ROOT, " %s %.2f", k, v / per)));
        System.out.printf(Locale.ROOT, "MEASURE redis %s mode=%s round=%d: %.2f scripts, %.2f commands in all (inside scripts included):%s%n",
                what, mode, round, scripts / per, all / per, detail);
    }

    // ------------------------------------------------------------------ a relay whose connections can be reset at once

    /** A TCP relay on one Netty thread (thousands of connections); {@link #cut} resets them all, no CLOSE frame sent. */
    static final class Relay implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final ChannelGroup live = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        private final Channel listener;

        Relay(int target) {
            listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel in) {
                            live.add(in);
                            ChannelFuture out = new Bootstrap().group(in.eventLoop()).channel(NioSocketChannel.class)
                                    .handler(new Pipe(in)).connect("127.0.0.1", target);
                            live.add(out.channel());
                            in.pipeline().addLast(new Pipe(out.channel()));
                            out.addListener(f -> {
                                if (f.isSuccess()) {
                                    in.config().setAutoRead(true);
                                } else {
                                    in.close();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        }

        int port() {
            return ((java.net.InetSocketAddress) listener.localAddress()).getPort();
        }

        void cut() {
            listener.close().syncUninterruptibly();
            for (Channel c : live) {
                c.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            live.close().syncUninterruptibly();
        }

        @Override
        public void close() {
            cut();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        private static final class Pipe extends ChannelInboundHandlerAdapter {
            private final Channel to;

            Pipe(Channel to) {
                this.to = to;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                to.writeAndFlush(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                to.close();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }
}
