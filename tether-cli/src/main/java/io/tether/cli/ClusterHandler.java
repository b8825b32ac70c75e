package io.tether.cli;

import io.tether.cluster.ClusterUnavailableException;
import io.tether.cluster.TetherCluster;
import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;

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
                case "to" -> conn.send(p.length > 2 ? "sent to " + cluster.sendToUser(p[1], p[2]).join() + " nodes" : "usage: to USER TEXT");
                case "group" -> conn.send(p.length > 2 ? "sent to " + cluster.sendToGroup(p[1], p[2]).join() + " nodes" : "usage: group GROUP TEXT");
                case "all" -> conn.send(t.length() > 4 ? "sent to " + cluster.broadcast(t.substring(4)).join() + " nodes" : "usage: all TEXT");
                default -> events.onReceive(conn, message);
            }
        } catch (ClusterUnavailableException e) {
            conn.send("error: " + e.getMessage());
        }
    }

    @Override
    public void onClose(Connection conn, CloseInfo info) {
        events.onClose(conn, info);
    }
}
