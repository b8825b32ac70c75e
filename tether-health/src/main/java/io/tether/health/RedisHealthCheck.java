package io.tether.health;

import io.lettuce.core.api.async.RedisAsyncCommands;
import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.time.Duration;
import java.util.Objects;

/**
 * Redis is healthy when {@code PING} on the backend's kept-alive connection answers {@code PONG}
 * within the timeout. The connection is reused between checks (a check is one round trip, not a
 * handshake), and a failed one is dropped and reopened by the next check.
 */
public final class RedisHealthCheck implements HealthCheck, AutoCloseable {
    private final String name;
    private final RedisBackend backend;

    public RedisHealthCheck(String name, RedisBackend backend) {
        this.name = Objects.requireNonNull(name, "name");
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    @Override
    public String name() {
        return name;
    }

    public RedisBackend backend() {
        return backend;
    }

    @Override
    public HealthResult check(Duration timeout) {
        try {
            String reply = backend.call(RedisAsyncCommands::ping, timeout);
            return "PONG".equals(reply) ? HealthResult.ok() : HealthResult.failed("PING answered '" + reply + "'");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return HealthResult.failed("interrupted");
        } catch (Exception e) {
            return HealthResult.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
