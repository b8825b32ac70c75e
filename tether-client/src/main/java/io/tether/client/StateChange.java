package io.tether.client;

import io.tether.core.close.CloseInfo;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One reported transition. {@code from == to} happens for RECONNECTING: every scheduled attempt
 * is reported, with its number and delay.
 *
 * @param from          state before
 * @param to            state after
 * @param endpoint      CONNECTED: the endpoint connected to; CONNECTING and RECONNECTING: the one
 *                      the next attempt goes to (after a loss, the next in the list: failover);
 *                      DISCONNECTED and CLOSED: the one lost, or null
 * @param endpointIndex position of {@code endpoint} in the configured list, 0-based
 * @param closeInfo     why an established connection ended (reason, how long the server had been
 *                      silent, detail), or null
 * @param cause         why an attempt failed or why the client gave up, or null
 * @param attempt       for RECONNECTING: the number of the attempt now scheduled (1-based), else 0
 * @param delay         for RECONNECTING: how long until that attempt, else {@link Duration#ZERO}
 */
public record StateChange(ClientState from, ClientState to, InetSocketAddress endpoint, int endpointIndex,
                          CloseInfo closeInfo, Throwable cause, int attempt, Duration delay) {

    /** One line for logs: {@code CONNECTED -> RECONNECTING 127.0.0.1:9501 attempt 1 in 0.231 s (ping timeout ...)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(from).append(" -> ").append(to);
        if (endpoint != null) {
            sb.append(' ').append(endpoint.getHostString()).append(':').append(endpoint.getPort());
        }
        if (attempt > 0) {
            sb.append(String.format(java.util.Locale.ROOT, " attempt %d in %.3f s", attempt, delay.toNanos() / 1e9));
        }
        if (closeInfo != null) {
            sb.append(" (").append(closeInfo).append(')');
        }
        if (cause != null) {
            sb.append(" (").append(cause.getMessage() == null ? cause.toString() : cause.getMessage()).append(')');
        }
        return sb.toString();
    }
}
