package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.server.Connection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers every presence event, as "online s1", "offline s1 expired", ... */
final class PresenceLog implements PresenceListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final Map<String, SessionEnd> ends = new ConcurrentHashMap<>();
    final Map<String, Map<String, Object>> attributesAtOffline = new ConcurrentHashMap<>();

    @Override
    public void onOnline(Session s, Connection c) {
        events.add("online " + s.id());
    }

    @Override
    public void onOffline(Session s, SessionEnd end) {
        events.add("offline " + s.id() + " " + end.reason().text());
        ends.put(s.id(), end);
        attributesAtOffline.put(s.id(), Map.copyOf(s.attributes()));
    }

    @Override
    public void onDetached(Session s, CloseInfo cause) {
        events.add("detached " + s.id() + " " + cause.reason().text());
    }

    @Override
    public void onResumed(Session s, Connection c) {
        events.add("resumed " + s.id());
    }

    boolean has(String event) {
        return events.contains(event);
    }

    long count(String prefix) {
        return events.stream().filter(e -> e.startsWith(prefix)).count();
    }
}
