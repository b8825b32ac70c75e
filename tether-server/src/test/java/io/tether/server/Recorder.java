package io.tether.server;

import io.tether.core.close.CloseInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A handler that remembers every event, with the thread and monotonic time it arrived. */
final class Recorder implements ServerHandler {
    final List<Long> connects = new CopyOnWriteArrayList<>();
    final Map<Long, List<String>> received = new ConcurrentHashMap<>();
    final Map<Long, List<CloseInfo>> closes = new ConcurrentHashMap<>();
    final Map<Long, Long> closedAtNanos = new ConcurrentHashMap<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    volatile boolean echo;

    @Override
    public void onConnect(Connection conn) {
        connects.add(conn.id());
        threads.add(Thread.currentThread().getName());
    }

    @Override
    public void onReceive(Connection conn, Message message) {
        received.computeIfAbsent(conn.id(), k -> new CopyOnWriteArrayList<>()).add(message.text());
        threads.add(Thread.currentThread().getName());
        if (echo) {
            conn.send(message.bytes());
        }
    }

    @Override
    public void onClose(Connection conn, CloseInfo info) {
        closedAtNanos.putIfAbsent(conn.id(), System.nanoTime());
        closes.computeIfAbsent(conn.id(), k -> new CopyOnWriteArrayList<>()).add(info);
    }

    int closeCount() {
        return closes.values().stream().mapToInt(List::size).sum();
    }

    CloseInfo onlyClose(long id) {
        List<CloseInfo> l = closes.get(id);
        if (l == null || l.size() != 1) {
            throw new AssertionError("connection " + id + " closed " + (l == null ? 0 : l.size()) + " times: " + l);
        }
        return l.get(0);
    }
}
