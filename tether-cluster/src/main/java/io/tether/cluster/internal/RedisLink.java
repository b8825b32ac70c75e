package io.tether.cluster.internal;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import io.tether.cluster.ClusterConfig;
import io.tether.cluster.ClusterUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's connections to Redis (one Redis, or a Redis Cluster from its seeds), both with String
 * keys and byte[] values: one for commands from any thread, one for blocking stream reads (the
 * presence stream and the node's inbox). Commands are never queued while disconnected: they fail at once
 * with {@link ClusterUnavailableException} (Lettuce's REJECT_COMMANDS), and Lettuce reconnects in
 * the background within a lease tick.
 */
public final class RedisLink implements AutoCloseable {
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final String where;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final StatefulConnection<String, byte[]> commands;
    private final StatefulConnection<String, byte[]> reader;
    private final RedisClusterCommands<String, byte[]> sync;
    private final RedisClusterAsyncCommands<String, byte[]> async;
    private final RedisClusterCommands<String, byte[]> readerSync;

    /**
     * Connects; throws {@link ClusterUnavailableException} when Redis cannot be reached now.
     *
     * @param timeout how long one command may take before it counts as failed
     * @param readBlock how long a stream read blocks (the reader's timeout is this plus {@code timeout})
     */
    public RedisLink(ClusterConfig config, Duration timeout, Duration readBlock) {
        this.where = String.join(",", config.redis());
        Duration maxDelay = config.tick().compareTo(Duration.ofSeconds(1)) < 0 ? config.tick() : Duration.ofSeconds(1);
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), maxDelay, 2, TimeUnit.MILLISECONDS)).build();
        try {
            if (config.redisCluster()) {
                List<RedisURI> seeds = config.redis().stream().map(u -> named(u, config.nodeId())).toList();
                RedisClusterClient c = RedisClusterClient.create(resources, seeds);
                c.setOptions(ClusterClientOptions.builder().autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
                this.client = c;
                StatefulRedisClusterConnection<String, byte[]> cmd = c.connect(CODEC);
                StatefulRedisClusterConnection<String, byte[]> rd = c.connect(CODEC);
                rd.setTimeout(timeout.plus(readBlock));
                this.commands = cmd;
                this.reader = rd;
                this.sync = cmd.sync();
                this.async = cmd.async();
                this.readerSync = rd.sync();
            } else {
                RedisClient c = RedisClient.create(resources);
                c.setOptions(ClientOptions.builder().autoReconnect(true)
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
                this.client = c;
                StatefulRedisConnection<String, byte[]> cmd = c.connect(CODEC, named(config.redis().get(0), config.nodeId()));
                StatefulRedisConnection<String, byte[]> rd = c.connect(CODEC, named(config.redis().get(0), config.nodeId() + ":reader"));
                rd.setTimeout(timeout.plus(readBlock));
                this.commands = cmd;
                this.reader = rd;
                this.sync = cmd.sync();
                this.async = cmd.async();
                this.readerSync = rd.sync();
            }
        } catch (RedisException e) {
            close();
            throw unreachable(e);
        }
    }

    /** The URI with a client name, set at every (re)connect: {@code CLIENT LIST} shows what each connection is. */
    private static RedisURI named(String uri, String name) {
        RedisURI u = RedisURI.create(uri);
        u.setClientName("tether:" + name);
        return u;
    }

    /** Where Redis is, for messages. */
    public String where() {
        return where;
    }

    /** True while the command connection is up. */
    public boolean connected() {
        return commands.isOpen();
    }

    /** Commands from the calling thread; throws at once when disconnected. */
    RedisClusterCommands<String, byte[]> sync() {
        return sync;
    }

    RedisClusterAsyncCommands<String, byte[]> async() {
        return async;
    }

    /** Blocking stream reads (its own connection, so a read never holds up a command). */
    RedisClusterCommands<String, byte[]> reader() {
        return readerSync;
    }

    /** The exception every cluster call throws when Redis cannot be reached. */
    public ClusterUnavailableException unreachable(Throwable cause) {
        return new ClusterUnavailableException("Redis unreachable at " + where + ": " + cause.getMessage(), cause);
    }

    @Override
    public void close() {
        for (StatefulConnection<?, ?> c : new StatefulConnection<?, ?>[] {reader, commands}) {
            if (c != null) {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // closing what may already be broken
                }
            }
        }
        if (client != null) {
            try {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } catch (RuntimeException slow) {
                // a shutdown that overran its 2 s must not stop the caller's own shutdown
            }
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
