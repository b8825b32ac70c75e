package io.tether.cluster.internal;

import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.tether.cluster.ClusterMember;
import io.tether.cluster.ClusterPresenceListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the cluster's presence stream on its own thread ({@code tether-cluster-events}) and hands
 * each event to this node's listeners, once, in stream order. Starts at the stream's end when the
 * node starts; across a Redis outage it goes on from the last event it read.
 */
public final class EventReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");

    private final RedisLink link;
    private final Keys keys;
    private final Duration block;
    private final List<ClusterPresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private String lastId;

    public EventReader(RedisLink link, String keyPrefix, Duration block) {
        this.link = link;
        this.keys = new Keys(keyPrefix);
        this.block = block;
        this.thread = new Thread(this::run, "tether-cluster-events");
        this.thread.setDaemon(true);
    }

    public void addListener(ClusterPresenceListener l) {
        listeners.add(l);
    }

    /** Notes where the stream ends now (events after this are delivered) and starts reading. */
    public void start() {
        List<StreamMessage<String, byte[]>> last = link.sync().xrevrange(keys.events(), io.lettuce.core.Range.create("-", "+"),
                io.lettuce.core.Limit.from(1));
        lastId = last.isEmpty() ? "0-0" : last.get(0).getId();
        thread.start();
    }

    private void run() {
        long backoffMs = 20;
        while (running) {
            try {
                List<StreamMessage<String, byte[]>> batch = link.reader().xread(
                        XReadArgs.Builder.block(block.toMillis()).count(1000), XReadArgs.StreamOffset.from(keys.events(), lastId));
                backoffMs = 20;
                if (batch == null) {
                    continue;
                }
                for (StreamMessage<String, byte[]> m : batch) {
                    lastId = m.getId();
                    deliver(m.getBody());
                }
            } catch (RedisException e) {
                if (!running) {
                    return;
                }
                log.debug("presence stream read failed: {}", e.getMessage());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMs)); // on our own thread, not a loop
                backoffMs = Math.min(backoffMs * 2, 500);
            }
        }
    }

    private void deliver(Map<String, byte[]> body) {
        ClusterMember m = new ClusterMember(Scripts.s(body.get("n")), Scripts.s(body.get("s")), Scripts.s(body.get("u")));
        boolean online = "online".equals(Scripts.s(body.get("t")));
        String reason = body.containsKey("r") ? Scripts.s(body.get("r")) : null;
        String by = body.containsKey("c") ? Scripts.s(body.get("c")) : null;
        for (ClusterPresenceListener l : listeners) {
            try {
                if (online) {
                    l.onOnline(m);
                } else {
                    l.onOffline(m, reason, by);
                }
            } catch (RuntimeException e) {
                log.warn("cluster presence listener threw for {}", m, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(block.toMillis() + 3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
