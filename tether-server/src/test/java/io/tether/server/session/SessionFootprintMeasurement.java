package io.tether.server.session;

import static org.awaitility.Awaitility.await;

import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures what sessions cost an idle line connection: holds N line connections with sessions off,
 * then with sessions on, takes a live-object class histogram of this JVM each time
 * ({@code jcmd <pid> GC.class_histogram}) and prints the difference per connection. Not a check, a
 * measurement: run it on its own with
 * {@code -Dtest=SessionFootprintMeasurement -Dtether.footprint=true [-Dtether.footprint.n=5000]}.
 */
@EnabledIfSystemProperty(named = "tether.footprint", matches = "true")
class SessionFootprintMeasurement {

    @Test
    void idleLineSessionFootprint() throws Exception {
        int n = Integer.getInteger("tether.footprint.n", 5000);
        // The first run warms up (classes, pools and caches a first server leaves behind). Each
        // histogram goes to a file so that the second does not count the first one's text.
        hold(n, false);
        Path off = hold(n, false);
        Path on = hold(n, true);
        Map<String, long[]> offCounts = parse(off);
        Map<String, long[]> onCounts = parse(on);
        long totalBytes = 0;
        long totalObjects = 0;
        System.out.printf("%nper idle line connection with sessions on, minus off (n = %d):%n", n);
        for (Map.Entry<String, long[]> e : onCounts.entrySet()) {
            long[] b = offCounts.getOrDefault(e.getKey(), new long[2]);
            double objects = (e.getValue()[0] - b[0]) / (double) n;
            double bytes = (e.getValue()[1] - b[1]) / (double) n;
            if (Math.abs(objects) >= 0.5 || Math.abs(bytes) >= 2) {
                System.out.printf("  %8.2f objects %8.1f bytes  %s%n", objects, bytes, e.getKey());
                totalObjects += Math.round(objects);
                totalBytes += Math.round(bytes);
            }
        }
        System.out.printf("  total: about %d objects, %d bytes per session%n%n", totalObjects, totalBytes);
    }

    /** Opens n line connections, waits until the server holds them, and writes the histogram to a file. */
    private static Path hold(int n, boolean sessions) throws Exception {
        TetherServer server = TetherServer.builder()
                .config(ServerConfig.builder().port(0).framing(Framing.LINE).openSessions(sessions).build())
                .build().start();
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(connect(server.localAddress().getPort()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> server.connectionCount() == n
                    && (!sessions || server.sessions().count() == n));
            Thread.sleep(500);
            Path file = Files.createTempFile("tether-histogram", ".txt");
            Files.writeString(file, histogram());
            return file;
        } finally {
            for (Socket s : sockets) {
                s.setSoLinger(true, 0); // reset: leaves no TIME_WAIT behind to use up local ports
                s.close();
            }
            server.close();
        }
    }

    /** A connection; retried while the accept backlog is full (a busy machine). */
    private static Socket connect(int port) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return new Socket("127.0.0.1", port);
            } catch (java.io.IOException e) {
                if (attempt == 50) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }

    /** The live-object histogram of this JVM, from {@code jcmd <pid> GC.class_histogram} (a full GC first). */
    private static String histogram() throws Exception {
        Path javaBinary = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path jcmd = javaBinary.resolveSibling("jcmd");
        Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
                Long.toString(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd failed: " + text);
        }
        return text;
    }

    /** Instances and bytes by class name. */
    private static Map<String, long[]> parse(Path file) throws Exception {
        Map<String, long[]> m = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                m.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        Files.delete(file);
        return m;
    }
}
