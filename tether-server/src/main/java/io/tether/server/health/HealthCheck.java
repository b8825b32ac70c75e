package io.tether.server.health;

import java.time.Duration;

/**
 * A dependency the server checks before it answers {@code pong}: a database, Redis, another
 * service. Register checks with {@code TetherServer.Builder#healthCheck}.
 *
 * <p>{@link #check} may block (it runs on the server's health executor, never on an event loop)
 * but should honour {@code timeout}; the server also stops waiting after it and counts the check
 * as failed. Results are cached for {@code health_cache_time}, so a ping storm costs the
 * dependency at most one check per cache period.
 */
public interface HealthCheck {

    /** A short name shown in {@code pong unhealthy NAME}: {@code redis}, {@code mysql}. */
    String name();

    /**
     * Checks the dependency once. Return {@link HealthResult#ok()} or {@link HealthResult#failed(String)}
     * with a detail; throwing counts as unhealthy with the exception's message.
     */
    HealthResult check(Duration timeout) throws Exception;
}
