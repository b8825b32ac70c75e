package io.tether.lab;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lab's server process, run inside the server namespace: one {@link TetherServer} per cell
 * (one port each), printing one JSON line per connect and per close (reason, silentFor, and
 * whether the connection is gone from {@code server.connections()}).
 *
 * <p>Arguments: {@code --cell NAME PORT STREAM key=value,key=value ...} per cell, where STREAM
 * ({@code true}/{@code false}) makes the server write to each connection continuously, and the
 * keys are ServerConfig keys. Commands on standard input: {@code send NAME TEXT} sends a message
 * to each connection of a cell; {@code quit} stops.
 */
public final class LabServerMain {
    /** Size of one streamed chunk; with {@link #STREAM_EVERY_MS} about 400 KB/s per connection. */
    static final int STREAM_CHUNK = 8 * 1024;
    static final int STREAM_EVERY_MS = 20;
    /** Chunks queued but not yet written; beyond this the stream waits (backpressure). */
    static final int STREAM_MAX_OUTSTANDING = 8;
    /** How long to wait for a closed connection to leave server.connections(). */
    static final long GONE_WAIT_MS = 2000;

    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lab-timer");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, TetherServer> servers = new LinkedHashMap<>();

    public static void main(String[] args) throws Exception {
        new LabServerMain().run(args);
    }

    private void run(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            if (!"--cell".equals(args[i]) || i + 4 > args.length) {
                throw new IllegalArgumentException("usage: --cell NAME PORT STREAM key=value,... (got " + args[i] + ")");
            }
            startCell(args[i + 1], Integer.parseInt(args[i + 2]), Boolean.parseBoolean(args[i + 3]),
                    i + 4 < args.length && !args[i + 4].startsWith("--") ? args[i + 4] : "");
            i += i + 4 < args.length && !args[i + 4].startsWith("--") ? 4 : 3;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.trim().split(" ", 3);
            if ("quit".equals(parts[0])) {
                break;
            }
            if ("send".equals(parts[0]) && parts.length == 3) {
                send(parts[1], parts[2]);
            } else if ("state".equals(parts[0])) {
                String seq = parts.length > 1 ? parts[1] : "0";
                for (Map.Entry<String, TetherServer> e : servers.entrySet()) {
                    String framing = "NONE";
                    for (Connection c : e.getValue().connections()) {
                        framing = c.framing().name();
                    }
                    print(Json.object("ev", "state", "seq", seq, "cell", e.getKey(), "count", e.getValue().connectionCount(),
                            "framing", framing));
                }
            }
        }
        for (TetherServer s : servers.values()) {
            s.shutdown(java.time.Duration.ZERO);
        }
        System.exit(0);
    }

    private void send(String cell, String text) {
        TetherServer s = servers.get(cell);
        if (s == null) {
            return;
        }
        List<java.util.concurrent.CompletableFuture<Void>> writes = new ArrayList<>();
        for (Connection c : s.connections()) {
            writes.add(c.send(text));
        }
        java.util.concurrent.CompletableFuture.allOf(writes.toArray(new java.util.concurrent.CompletableFuture[0]))
                .whenComplete((v, e) -> print(Json.object("ev", "sent", "cell", cell, "n", writes.size(), "ok", e == null)));
    }

    private void startCell(String cell, int port, boolean stream, String keys) {
        Map<String, Object> map = new HashMap<>();
        for (String kv : keys.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                map.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        map.put("host", "0.0.0.0");
        map.put("port", String.valueOf(port));
        ServerConfig config = ServerConfig.fromMap(map);
        TetherServer[] self = new TetherServer[1];
        TetherServer server = TetherServer.builder().config(config).handler(new ServerHandler() {
            @Override
            public void onConnect(Connection conn) {
                print(Json.object("ev", "connect", "cell", cell, "id", conn.id(), "t", System.nanoTime(),
                        "count", self[0].connectionCount(), "remote", String.valueOf(conn.info().remoteAddress())));
                if (stream) {
                    stream(conn);
                }
            }

            @Override
            public void onClose(Connection conn, CloseInfo info) {
                long t = System.nanoTime();
                reportClose(self[0], cell, conn.id(), info, t, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GONE_WAIT_MS));
            }
        }).build();
        self[0] = server;
        server.start();
        servers.put(cell, server);
        print(Json.object("ev", "listening", "cell", cell, "port", server.localAddress().getPort(),
                "native", server.isNativeTransport(), "config", config.toString()));
    }

    /** Prints the close once the connection has left the server's table (or the wait ran out). */
    private void reportClose(TetherServer server, String cell, long id, CloseInfo info, long t, long giveUpAt) {
        boolean gone = server.connection(id) == null;
        if (!gone && System.nanoTime() < giveUpAt) {
            timer.schedule(() -> reportClose(server, cell, id, info, t, giveUpAt), 5, TimeUnit.MILLISECONDS);
            return;
        }
        print(Json.object("ev", "close", "cell", cell, "id", id, "reason", info.reason().name(),
                "silentMs", info.silentFor().toMillis(), "detail", info.detail(), "t", t,
                "gone", gone, "count", server.connectionCount()));
    }

    /** Writes fixed-size chunks at a steady rate, never more than a few queued (backpressure). */
    private void stream(Connection conn) {
        byte[] chunk = new byte[STREAM_CHUNK];
        java.util.Arrays.fill(chunk, (byte) 'x');
        AtomicInteger outstanding = new AtomicInteger();
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            if (!conn.isOpen()) {
                return;
            }
            if (outstanding.get() < STREAM_MAX_OUTSTANDING) {
                outstanding.incrementAndGet();
                conn.send(chunk).whenComplete((v, e) -> outstanding.decrementAndGet());
            }
            timer.schedule(tick[0], STREAM_EVERY_MS, TimeUnit.MILLISECONDS);
        };
        timer.execute(tick[0]);
    }

    private static synchronized void print(String line) {
        OUT.println(line);
    }
}
