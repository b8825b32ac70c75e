package io.tether.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every cluster presence event one node's listener saw: "online s3 alice", "offline s3 alice lost". */
final class EventLog implements ClusterPresenceListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void onOnline(ClusterMember m) {
        events.add("online " + m.node() + " " + m.sessionId() + " " + m.userId());
    }

    @Override
    public void onOffline(ClusterMember m, String reason, String claimedBy) {
        events.add("offline " + m.node() + " " + m.sessionId() + " " + m.userId() + " " + reason);
    }

    long count(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).count();
    }

    List<String> of(String user) {
        return events.stream().filter(e -> e.split(" ")[3].equals(user)).toList();
    }
}
