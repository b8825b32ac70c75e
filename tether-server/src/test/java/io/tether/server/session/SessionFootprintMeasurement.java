package io.tether.server.session;

import static org.awaitility.Awaitility.await;

import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.TetherServer;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures what sessions cost an idle line connection: holds N line connections with sessions off,
 * then with sessions on, takes a live-object class histogram of this JVM each time (the same as
 * {@code jcmd <pid> GC.class_histogram}) and prints the difference per connection. Not a check, a
 * measurement: run it on its own with
 * {@code -Dtest=SessionFootprintMeasurement -Dtether.footprint=true [-Dtether.footprint.n=5000]}.
 */
@EnabledIfSystemProperty(named = "tether.footprint", matches = "true")
class SessionFootprintMeasurement {

    @Test
    void idleLineSessionFootprint() throws Exception {
        int n = Integer.getInteger("tether.footprint.n", 5000);
        Map<String, long[]> off = hold(n, false);
        Map<String, long[]> on = hold(n, true);
        long totalBytes = 0;
        long totalObjects = 0;
        System.out.printf("%nper idle line connection with sessions on, minus off (n = %d):%n", n);
        for (Map.Entry<String, long[]> e : on.entrySet()) {
            long[] b = off.getOrDefault(e.getKey(), new long[2]);
            double objects = (e.getValue()[0] - b[0]) / (double) n;
            double bytes = (e.getValue()[1] - b[1]) / (double) n;
            if (Math.abs(objects) >= 0.5) {
                System.out.printf("  %8.2f objects %8.1f bytes  %s%n", objects, bytes, e.getKey());
                totalObjects += Math.round(objects);
                totalBytes += Math.round(bytes);
            }
        }
        System.out.printf("  total: about %d objects, %d bytes per session%n%n", totalObjects, totalBytes);
    }

    /** Opens n line connections, waits until the server holds them, and returns the histogram. */
    private static Map<String, long[]> hold(int n, boolean sessions) throws Exception {
        TetherServer server = TetherServer.builder()
                .config(ServerConfig.builder().port(0).framing(Framing.LINE).openSessions(sessions).build())
                .build().start();
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new Socket("127.0.0.1", server.localAddress().getPort()));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> server.connectionCount() == n
                    && (!sessions || server.sessions().count() == n));
            Thread.sleep(500);
            return histogram();
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            server.close();
        }
    }

    /** Instances and bytes by class name, of live objects (the histogram forces a full GC). */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                m.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return m;
    }
}
