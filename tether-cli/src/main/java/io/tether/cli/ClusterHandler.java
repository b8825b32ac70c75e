package io.tether.cli;

import io.tether.cluster.ClusterUnavailableException;
import io.tether.cluster.TetherCluster;
import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import java.util.concurrent.CompletableFuture;

/**
 * {@code tether server --cluster-redis}: the event log, plus a few commands a person at {@code nc}
 * can try a cluster with: {@code login USER}, {@code join GROUP}, {@code to USER TEXT},
 * {@code group GROUP TEXT}, {@code all TEXT}. Anything else goes to the event log (and its echo).
 */
final class ClusterHandler implements ServerHandler {
    private final EventLog events;
    private TetherServer server;
    private TetherCluster cluster;

    ClusterHandler(EventLog events) {
        this.events = events;
    }

    void bind(TetherServer server, TetherCluster cluster) {
        this.server = server;
        this.cluster = cluster;
    }

    @Override
    public void onConnect(Connection conn) {
        events.onConnect(conn);
    }

    @Override
    public void onReceive(Connection conn, Message message) {
        String t = message.text();
        String[] p = t.split(" ", 3);
        Session s = server.sessions().of(conn);
        try {
            switch (p[0]) {
                case "login" -> conn.send(p.length > 1 && s != null && s.bind(p[1]) ? "ok" : "refused");
                case "join" -> conn.send(p.length > 1 && s != null && s.join(p[1]) ? "ok" : "no");
                case "to" -> reply(conn, p.length > 2 ? cluster.sendToUser(p[1], p[2]) : null, "usage: to USER TEXT");
                case "group" -> reply(conn, p.length > 2 ? cluster.sendToGroup(p[1], p[2]) : null, "usage: group GROUP TEXT");
                case "all" -> reply(conn, t.length() > 4 ? cluster.broadcast(t.substring(4)) : null, "usage: all TEXT");
                default -> events.onReceive(conn, message);
            }
        } catch (ClusterUnavailableException e) {
            conn.send("error: " + e.getMessage());
        }
    }

    /** Answers when Redis has (never waiting on the event loop this runs on). */
    private static void reply(Connection conn, CompletableFuture<Long> sent, String usage) {
        if (sent == null) {
            conn.send(usage);
            return;
        }
        sent.whenComplete((nodes, e) -> conn.send(e == null ? "sent to " + nodes + " nodes" : "error: " + e.getMessage()));
    }

    @Override
    public void onClose(Connection conn, CloseInfo info) {
        events.onClose(conn, info);
    }
}
