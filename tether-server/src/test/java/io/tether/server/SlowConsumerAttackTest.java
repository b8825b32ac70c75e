package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The hardening issue's slow-consumer attack, on real sockets: five clients each send 200 MB of
 * echo requests and never read a reply, while a sixth pings every 100 ms. Each of the five is
 * closed with reason {@code slow consumer}; the server's memory stays within a bound derived from
 * its config ({@link SlowConsumerRig#config()}); the pinger gets every pong, promptly, and is never
 * struck or closed. Once with the server in this JVM, once in a child JVM with a 256 MB heap.
 *
 * <p>Before backpressure, five such clients took the server from 93 MB to 2.3 GB of RSS, and a
 * 256 MB heap stalled its event loops in full GCs (a pinger waited 2.1 s for a pong).
 */
class SlowConsumerAttackTest {
    private static final int ATTACKERS = 5;
    private static final long EACH = 200L * 1024 * 1024;
    private static final long MB = 1024 * 1024;
    /** The largest buffer one read fills (AdaptiveRecvByteBufAllocator's default maximum). */
    private static final long READ_BUFFER = 64 * 1024;
    /**
     * Direct memory besides what the connections hold: the pooled allocator reserves memory in
     * chunks, per event loop, and the JDK keeps temporary direct buffers for socket I/O.
     */
    private static final long DIRECT_MARGIN = 16 * MB;
    /** Heap besides what the connections hold: garbage a collection has not met yet, JIT'd and loaded classes. */
    private static final long HEAP_MARGIN = 16 * MB;
    /**
     * Longest wait the pinger may see for a pong. Before backpressure it waited 2.1 s (event loops in
     * full GCs); here the loops are idle once the attackers are held, and the slowest pongs seen were
     * about 110 ms on a quiet machine, 510 ms on a 2-core machine at load 10 and 1.6 s at load 24
     * (other builds running). The bound stays below the 2.1 s seen before backpressure.
     */
    private static final long PONG_BOUND_MS = 2000;

    /** The server under attack, in this JVM or a child one. */
    interface Target extends AutoCloseable {
        String name();

        int port();

        /** Closes so far, by connection id. */
        Map<Long, SlowConsumerRig.Close> closes();

        SlowConsumerRig.Snapshot snapshot(boolean gc) throws Exception;

        @Override
        void close() throws Exception;
    }

    @Test
    void fiveClientsThatNeverReadAreClosedAsSlowConsumersAndTheServerStaysSmall() throws Exception {
        try (InProcess target = new InProcess()) {
            attack(target);
        }
    }

    @Test
    void theSameWithTheServerInAChildJvmWithA256MbHeap() throws Exception {
        try (ChildJvm target = new ChildJvm("-Xmx256m")) {
            attack(target);
            target.assertCleanOutput();
        }
    }

    private void attack(Target target) throws Exception {
        ServerConfig cfg = SlowConsumerRig.config();
        // What one attacker can make the server hold: its queue, refused past outbound_hard_limit; an
        // unfinished line, refused past package_max_length; and the buffer of the read in progress.
        long perAttacker = cfg.outboundHardLimit() + cfg.packageMaxLength() + READ_BUFFER;
        long directBound = ATTACKERS * perAttacker + DIRECT_MARGIN;
        // The heap holds no queued bytes (Netty queues them off-heap); bound it as if it held them all.
        long heapBound = ATTACKERS * cfg.outboundHardLimit() + HEAP_MARGIN;

        SlowConsumerRig.Snapshot base = target.snapshot(true);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", target.port());
        Pinger pinger = new Pinger(address);
        pinger.start();
        await("first pong").atMost(Duration.ofSeconds(10)).until(() -> pinger.pongs.size() >= 1);

        List<BackpressureTest.Sender> senders = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        try {
            byte[] echoRequests = BackpressureTest.lines(1023, 64); // 64 lines of 1 KB: "echo this"
            for (int i = 0; i < ATTACKERS; i++) {
                Socket s = new Socket();
                sockets.add(s);
                s.connect(address, 2000);
                BackpressureTest.Sender sender = new BackpressureTest.Sender(s, echoRequests, EACH);
                senders.add(sender);
                sender.start();
            }
            // The moment the server holds all five at once (each not read from: its queue is over the
            // high water mark), or has closed those it held longest: measure what is live.
            await("all five held or closed").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> target.snapshot(false).paused() + slowConsumers(target) == ATTACKERS);
            SlowConsumerRig.Snapshot held = target.snapshot(true);
            await("all five closed as slow consumers").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> target.closes().size() >= ATTACKERS);
            for (BackpressureTest.Sender s : senders) {
                s.join(10_000);
            }
            // The pinger goes on for a few more pings after the last close, then stops pinging (its
            // connection stays open until the end: the server must not have closed it).
            int pongsAtLastClose = pinger.pongs.size();
            await().atMost(Duration.ofSeconds(5)).until(() -> pinger.pongs.size() >= pongsAtLastClose + 3);
            pinger.stopPinging();
            SlowConsumerRig.Snapshot after = target.snapshot(true);

            report(target, base, held, after, senders, pinger, directBound, heapBound);

            assertThat(target.closes().values()).as("closes").hasSize(ATTACKERS).allSatisfy(c -> {
                assertThat(c.reason()).isEqualTo("slow consumer");
                assertThat(c.detail()).startsWith("at or over max_outbound_bytes " + cfg.maxOutboundBytes() + " for ");
            });
            assertThat(after.open()).as("the pinger's connection is the one left open").isEqualTo(1);
            for (BackpressureTest.Sender s : senders) {
                assertThat(s.failure).as("an attacker's writes fail once it is closed").isNotNull();
                assertThat(s.sent.get()).as("an attacker could not send its 200 MB: the server stopped reading").isLessThan(EACH);
            }
            assertThat(pinger.failure).as("the pinger's socket").isNull();
            assertThat(pinger.replies).as("every ping answered with a plain pong: no notice, no strike").allMatch("pong"::equals);
            assertThat(pinger.pongs).as("a pong for every ping").hasSize(pinger.pings);
            assertThat(pinger.maxLatencyMs()).as("slowest pong, ms (bound %d ms)", PONG_BOUND_MS).isLessThan(PONG_BOUND_MS);

            assertThat(held.peakDirectUsed() - base.directUsed())
                    .as("direct memory growth at its peak, bound %d x (outbound_hard_limit %d + package_max_length %d"
                            + " + read buffer %d) + margin %d = %d bytes", ATTACKERS, cfg.outboundHardLimit(),
                            cfg.packageMaxLength(), READ_BUFFER, DIRECT_MARGIN, directBound)
                    .isLessThanOrEqualTo(directBound);
            assertThat(after.peakDirectUsed() - base.directUsed()).as("direct memory growth at its peak, whole run")
                    .isLessThanOrEqualTo(directBound);
            assertThat(held.heapUsed() - base.heapUsed())
                    .as("live heap growth with the attackers held, bound %d x outbound_hard_limit + margin %d = %d bytes",
                            ATTACKERS, HEAP_MARGIN, heapBound)
                    .isLessThanOrEqualTo(heapBound);
            assertThat(after.heapUsed() - base.heapUsed()).as("live heap growth once they are gone (margin %d)", HEAP_MARGIN)
                    .isLessThanOrEqualTo(HEAP_MARGIN);
        } finally {
            pinger.stopPinging();
            pinger.socket.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static long slowConsumers(Target t) {
        return t.closes().values().stream().filter(c -> c.reason().equals("slow consumer")).count();
    }

    private static void report(Target t, SlowConsumerRig.Snapshot base, SlowConsumerRig.Snapshot held,
                               SlowConsumerRig.Snapshot after, List<BackpressureTest.Sender> senders, Pinger pinger,
                               long directBound, long heapBound) {
        PrintStream out = System.out;
        out.printf("[%s] direct: base %.1f MB, peak %.1f MB (growth %.1f MB, bound %.1f MB), after %.1f MB%n", t.name(),
                mb(base.directUsed()), mb(held.peakDirectUsed()), mb(held.peakDirectUsed() - base.directUsed()),
                mb(directBound), mb(after.directUsed()));
        out.printf("[%s] live heap: base %.1f MB, attackers held %.1f MB (growth %.1f MB, bound %.1f MB; %d held),"
                        + " after %.1f MB; sampled heap peak %.1f MB%n", t.name(), mb(base.heapUsed()), mb(held.heapUsed()),
                mb(held.heapUsed() - base.heapUsed()), mb(heapBound), held.paused(), mb(after.heapUsed()), mb(after.peakHeapUsed()));
        out.printf("[%s] attackers sent before being cut off: %s MB of %d MB each%n", t.name(),
                senders.stream().map(s -> String.format("%.1f", mb(s.sent.get()))).toList(), EACH / MB);
        out.printf("[%s] pinger: %d pings, %d pongs, slowest %d ms, median %d ms, other replies %s%n", t.name(), pinger.pings,
                pinger.pongs.size(), pinger.maxLatencyMs(), pinger.medianLatencyMs(),
                pinger.replies.stream().filter(r -> !r.equals("pong")).toList());
        t.closes().values().forEach(c -> out.printf("[%s] close %d: %s: %s%n", t.name(), c.id(), c.reason(), c.detail()));
    }

    private static double mb(long bytes) {
        return bytes / (double) MB;
    }

    /** Pings every 100 ms on a line connection and times each pong. */
    static final class Pinger extends Thread {
        final List<Long> pongs = new CopyOnWriteArrayList<>(); // latency of each, in ms
        final List<String> replies = new CopyOnWriteArrayList<>();
        volatile int pings;
        volatile IOException failure;
        private volatile boolean stop;
        final Socket socket = new Socket();
        private final InetSocketAddress address;

        Pinger(InetSocketAddress address) {
            super("pinger");
            setDaemon(true);
            this.address = address;
        }

        @Override
        public void run() {
            try {
                socket.connect(address, 2000);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                for (int i = 0; !stop; i++) {
                    long at = start + i * TimeUnit.MILLISECONDS.toNanos(100);
                    long wait;
                    while ((wait = at - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // the pinger's own pace, not a wait for the server
                    }
                    long sent = System.nanoTime();
                    out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    pings++;
                    String reply = in.readLine();
                    if (reply == null) {
                        throw new IOException("server closed the pinger's connection");
                    }
                    replies.add(reply);
                    if (reply.startsWith("pong")) {
                        pongs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
                    }
                }
            } catch (IOException e) {
                failure = e;
            }
        }

        void stopPinging() throws InterruptedException {
            stop = true;
            join(15_000);
        }

        long maxLatencyMs() {
            return pongs.stream().mapToLong(Long::longValue).max().orElse(0);
        }

        long medianLatencyMs() {
            return pongs.stream().sorted().skip(pongs.size() / 2).findFirst().orElse(0L);
        }
    }

    /** The rig in this JVM. */
    static final class InProcess implements Target {
        private final SlowConsumerRig rig = new SlowConsumerRig();

        @Override
        public String name() {
            return "in-process";
        }

        @Override
        public int port() {
            return rig.port();
        }

        @Override
        public Map<Long, SlowConsumerRig.Close> closes() {
            return rig.closes;
        }

        @Override
        public SlowConsumerRig.Snapshot snapshot(boolean gc) {
            return rig.snapshot(gc);
        }

        @Override
        public void close() {
            rig.close();
        }
    }

    /** The rig in a child JVM ({@link SlowConsumerRig#main}), with its own heap size and paranoid leak detection. */
    static final class ChildJvm implements Target {
        private final Process process;
        private final PrintStream commands;
        private final List<String> output = new CopyOnWriteArrayList<>();
        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final Map<Long, SlowConsumerRig.Close> closes = new ConcurrentHashMap<>();
        private final String heap;
        private volatile int port;

        ChildJvm(String heap) throws IOException {
            this.heap = heap;
            String java = ProcessHandle.current().info().command().orElse("java");
            process = new ProcessBuilder(java, heap, "-Dio.netty.leakDetection.level=paranoid", "-cp",
                    System.getProperty("java.class.path"), SlowConsumerRig.class.getName())
                    .redirectErrorStream(true).start();
            commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(this::read, "child-jvm-stdout");
            reader.setDaemon(true);
            reader.start();
            // A cold JVM on a busy 2-core machine: allow it 30 s to listen.
            await("child JVM listening").atMost(Duration.ofSeconds(30)).until(() -> port > 0 || !process.isAlive());
            if (port == 0) {
                throw new IllegalStateException("child JVM exited with " + process.exitValue() + ": " + output);
            }
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    if (line.startsWith("READY ")) {
                        port = Integer.parseInt(line.substring(6));
                    } else if (line.startsWith("CLOSE ")) {
                        String[] idAndRest = line.substring(6).split(" ", 2);
                        String[] reasonAndDetail = idAndRest[1].split("\\|", 2);
                        long id = Long.parseLong(idAndRest[0]);
                        closes.put(id, new SlowConsumerRig.Close(id, reasonAndDetail[0], reasonAndDetail[1]));
                    } else if (line.startsWith("SNAPSHOT ") || line.startsWith("RSS ")) {
                        answers.add(line);
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }

        @Override
        public String name() {
            return "child JVM " + heap;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public Map<Long, SlowConsumerRig.Close> closes() {
            return closes;
        }

        @Override
        public SlowConsumerRig.Snapshot snapshot(boolean gc) throws Exception {
            commands.println(gc ? "SNAPSHOT GC" : "SNAPSHOT");
            String answer = answers.poll(20, TimeUnit.SECONDS);
            if (answer == null) {
                throw new IllegalStateException("child JVM did not answer SNAPSHOT; its output: " + output);
            }
            return SlowConsumerRig.Snapshot.parse(answer);
        }

        /** No LEAK report and no OutOfMemoryError in anything the child printed; its peak RSS for the report. */
        void assertCleanOutput() throws Exception {
            commands.println("RSS");
            String rss = answers.poll(20, TimeUnit.SECONDS);
            System.out.printf("[%s] peak RSS (VmHWM) %s MB%n", name(),
                    rss == null ? "?" : String.format("%.1f", Long.parseLong(rss.substring(4)) / 1024.0));
            assertThat(output).as("child JVM output").noneMatch(l -> l.contains("LEAK:"))
                    .noneMatch(l -> l.contains("OutOfMemoryError"));
        }

        @Override
        public void close() throws Exception {
            commands.println("QUIT");
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
