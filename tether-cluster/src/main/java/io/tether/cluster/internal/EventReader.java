package io.tether.cluster.internal;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, on its own thread ({@code tether-cluster-events}) and with one blocking XREAD, the
 * cluster's presence stream, handing each event to this node's listeners, and the node's inbox of
 * routed messages, handing each to the {@link Router}: each once, in stream order. Starts at the
 * streams' ends when the node starts; across a Redis outage it goes on from the last entry it read,
 * so nothing published meanwhile is missed (unless trimmed, or Redis lost it).
 */
public final class EventReader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");

    private final RedisLink link;
    private final Keys keys;
    private final Duration block;
    private final List<ClusterPresenceListener> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    /** The node's inbox, or null (an observer outside the nodes). */
    private final String inbox;
    private final Consumer<byte[]> routed;
    private volatile boolean running = true;
    private String lastId;
    private String lastInboxId;

    /** An observer's reader: presence events only. */
    public EventReader(RedisLink link, String keyPrefix, Duration block) {
        this(link, keyPrefix, block, null, null);
    }

    /** A node's reader: presence events, and the routed messages of {@code node} for {@code routed}. */
    public EventReader(RedisLink link, String keyPrefix, Duration block, String node, Consumer<byte[]> routed) {
        this.link = link;
        this.keys = new Keys(keyPrefix);
        this.block = block;
        this.inbox = node == null ? null : keys.inbox(node);
        this.routed = routed;
        this.thread = new Thread(this::run, "tether-cluster-events");
        this.thread.setDaemon(true);
    }

    public void addListener(ClusterPresenceListener l) {
        listeners.add(l);
    }

    /** Notes where the stream ends now (events after this are delivered) and starts reading. */
    public void start() {
        lastId = lastIdOf(keys.events());
        if (inbox != null) {
            lastInboxId = lastIdOf(inbox);
        }
        thread.start();
    }

    private String lastIdOf(String stream) {
        List<StreamMessage<String, byte[]>> last = link.sync().xrevrange(stream, Range.create("-", "+"), Limit.from(1));
        return last.isEmpty() ? "0-0" : last.get(0).getId();
    }

    private void run() {
        long backoffMs = 20;
        while (running) {
            try {
                XReadArgs args = XReadArgs.Builder.block(block.toMillis()).count(1000);
                List<StreamMessage<String, byte[]>> batch = inbox == null
                        ? link.reader().xread(args, XReadArgs.StreamOffset.from(keys.events(), lastId))
                        : link.reader().xread(args, XReadArgs.StreamOffset.from(keys.events(), lastId),
                                XReadArgs.StreamOffset.from(inbox, lastInboxId));
                backoffMs = 20;
                if (batch == null) {
                    continue;
                }
                for (StreamMessage<String, byte[]> m : batch) {
                    if (m.getStream().equals(inbox)) {
                        lastInboxId = m.getId();
                        route(m.getBody().get("m"));
                    } else {
                        lastId = m.getId();
                        deliver(m.getBody());
                    }
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

    private void route(byte[] message) {
        if (message == null) {
            return;
        }
        try {
            routed.accept(message);
        } catch (RuntimeException e) {
            log.warn("delivering a routed message failed", e);
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
