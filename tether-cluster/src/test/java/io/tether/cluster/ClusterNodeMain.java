package io.tether.cluster;

import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One cluster node for the tests, in its own JVM or in the test's: a Tether server on a random
 * port (line framing, sessions on) joined to the cluster. Clients send {@code login <user>} and
 * {@code join <group>}. In its own JVM ({@link #main}) it prints {@code READY <port>} and every
 * cluster presence event ({@code EV online|offline <node> <sid> <user> <reason> <claimer>}) to
 * stdout, and takes commands on stdin: {@code user <u> <text>}, {@code group <g> <text>},
 * {@code all <text>}.
 */
public final class ClusterNodeMain implements AutoCloseable {
    public final TetherServer server;
    public final TetherCluster cluster;

    public ClusterNodeMain(String redis, String nodeId, Duration lease) {
        this(redis, nodeId, lease, ServerConfig.DuplicatePolicy.REPLACE);
    }

    public ClusterNodeMain(String redis, String nodeId, Duration lease, ServerConfig.DuplicatePolicy policy) {
        TetherServer[] ref = new TetherServer[1];
        server = TetherServer.builder()
                .config(ServerConfig.builder().host("127.0.0.1").port(0).workerNum(1).framing(Framing.LINE).openSessions(true)
                        .sessionDuplicatePolicy(policy).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message m) {
                        String t = m.text();
                        Session s = ref[0].sessions().of(conn);
                        if (t.startsWith("login ")) {
                            conn.send(s.bind(t.substring(6)) ? "ok" : "refused");
                        } else if (t.startsWith("join ")) {
                            s.join(t.substring(5));
                            conn.send("joined");
                        }
                    }
                }).build();
        ref[0] = server;
        cluster = TetherCluster.join(server, ClusterConfig.builder().redis(redis).nodeId(nodeId).leaseTime(lease).build());
        server.start();
    }

    public int port() {
        return server.localAddress().getPort();
    }

    @Override
    public void close() {
        server.close();
        cluster.close();
    }

    /**
     * Prints every cluster presence event to {@code out}: {@code EV online <node> <sid> <user>},
     * {@code EV offline <node> <sid> <user> <reason> <claimer>} (the reason with '_' for ' ').
     */
    static ClusterPresenceListener eventPrinter(PrintStream out) {
        return new ClusterPresenceListener() {
            @Override
            public void onOnline(ClusterMember m) {
                out.println("EV online " + m.node() + " " + m.sessionId() + " " + m.userId());
            }

            @Override
            public void onOffline(ClusterMember m, String reason, String claimedBy) {
                out.println("EV offline " + m.node() + " " + m.sessionId() + " " + m.userId() + " " + reason.replace(' ', '_')
                        + " " + claimedBy);
            }
        };
    }

    /** args: redis URI, node id, lease in ms. */
    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        ClusterNodeMain node = new ClusterNodeMain(args[0], args[1], Duration.ofMillis(Long.parseLong(args[2])));
        node.cluster.addListener(eventPrinter(out));
        out.println("READY " + node.port());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] p = line.split(" ", 3);
            try {
                switch (p[0]) {
                    case "user" -> node.cluster.sendToUser(p[1], p[2]);
                    case "group" -> node.cluster.sendToGroup(p[1], p[2]);
                    case "all" -> node.cluster.broadcast(line.substring(4));
                    case "quit" -> {
                        node.close();
                        System.exit(0);
                    }
                    default -> out.println("ERR unknown command " + p[0]);
                }
            } catch (RuntimeException e) {
                out.println("ERR " + e.getMessage());
            }
        }
        node.close();
    }
}
