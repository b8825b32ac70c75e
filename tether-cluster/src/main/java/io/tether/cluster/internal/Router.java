package io.tether.cluster.internal;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.tether.server.session.Session;
import io.tether.server.session.Sessions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster-wide sends. A send is one script call that adds the message to the inbox stream of each
 * node holding the target (user, group, or every node); each node's {@link EventReader} reads its
 * inbox and hands each message here, to be delivered to the node's local sessions. One command
 * connection and one reader per node keep the order of a sender's messages to a user; a reader
 * goes on from its last message after a Redis outage (docs/CLUSTER.md, "Guarantees").
 *
 * <p>Wire form of a routed message: kind byte ({@code u}, {@code g}, {@code a}; {@code x} from the
 * upsert script: a replace), target, {@code '\n'}, payload.
 */
public final class Router {
    private static final Logger log = LoggerFactory.getLogger("io.tether.cluster");

    private final RedisLink link;
    private final Keys keys;
    private final Sessions local;
    /** A node bound a user this node holds (policy replace): user, that online's stream id. */
    private final BiConsumer<String, String> replaced;
    /** Sessions kept in Redis (null: cluster_resume off): a user message reaches them through Redis. */
    private final KeptSessions kept;

    public Router(RedisLink link, String keyPrefix, Sessions local, BiConsumer<String, String> replaced, KeptSessions kept) {
        this.link = link;
        this.keys = new Keys(keyPrefix);
        this.local = local;
        this.replaced = replaced;
        this.kept = kept;
    }

    /**
     * Returns the number of nodes whose inbox got the message; the future fails with
     * {@code ClusterUnavailableException} if Redis did not answer in time.
     */
    public CompletableFuture<Long> send(char kind, String target, byte[] payload) {
        if (!link.connected()) {
            throw link.unreachable(new RedisException("not connected"));
        }
        byte[] t = Scripts.b(target);
        byte[] msg = new byte[1 + t.length + 1 + payload.length];
        msg[0] = (byte) kind;
        System.arraycopy(t, 0, msg, 1, t.length);
        msg[1 + t.length] = '\n';
        System.arraycopy(payload, 0, msg, t.length + 2, payload.length);
        try {
            return Scripts.SEND.<Long>runAsync(link.async(), keys, ScriptOutputType.INTEGER,
                    kept == null ? List.of(Scripts.b(String.valueOf(kind)), t, msg)
                            : List.of(Scripts.b(String.valueOf(kind)), t, msg, kept.maxMessagesArg, kept.maxBytesArg))
                    .handle((nodes, e) -> {
                        if (e == null) {
                            return nodes;
                        }
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        throw link.unreachable(cause);
                    });
        } catch (RedisException e) {
            throw link.unreachable(e);
        }
    }

    /** A message from this node's inbox (on the reader's thread; a local send never blocks). */
    public void deliver(byte[] msg) {
        int nl = -1;
        for (int i = 1; i < msg.length; i++) {
            if (msg[i] == '\n') {
                nl = i;
                break;
            }
        }
        if (msg.length < 2 || nl < 0) {
            log.warn("dropping a malformed routed message of {} bytes", msg.length);
            return;
        }
        String target = new String(msg, 1, nl - 1, java.nio.charset.StandardCharsets.UTF_8);
        byte[] payload = Arrays.copyOfRange(msg, nl + 1, msg.length);
        switch (msg[0]) {
            case 'u' -> {
                if (kept == null) {
                    local.sendToUser(target, payload);
                } else {
                    for (Session s : local.allOfUser(target)) {
                        if (!kept.keeps(s)) {
                            s.send(payload); // a kept session had it from Redis already
                        }
                    }
                }
            }
            case 'w', 'o', 'h' -> {
                if (kept != null) {
                    kept.routed((char) msg[0], target, new String(payload, java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            case 'g' -> local.sendToGroup(target, payload);
            case 'a' -> local.broadcast(payload);
            case 'x' -> replaced.accept(target, new String(payload, java.nio.charset.StandardCharsets.UTF_8));
            default -> log.warn("dropping a routed message of unknown kind {}", msg[0]);
        }
    }
}
