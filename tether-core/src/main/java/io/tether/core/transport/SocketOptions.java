package io.tether.core.transport;

import java.time.Duration;

/**
 * The TCP liveness options of a socket: kernel keepalive and TCP_USER_TIMEOUT. One type serves both
 * directions: what a server or client asks the transport to apply ({@link #of}), and what
 * {@link Transport#read} reads back from the kernel (getsockopt), so a test or an operator can see
 * what is really in force. Read back, a field the transport cannot read is null (NIO has no
 * TCP_USER_TIMEOUT).
 *
 * @param keepAlive       SO_KEEPALIVE
 * @param keepIdle        silence before the first probe (TCP_KEEPIDLE), whole seconds
 * @param keepInterval    time between probes (TCP_KEEPINTVL), whole seconds
 * @param keepCount       unanswered probes before the kernel drops the connection (TCP_KEEPCNT)
 * @param userTimeout     longest time sent data may stay unacknowledged (TCP_USER_TIMEOUT); zero
 *                        leaves the kernel default
 * @param nativeTransport true when read back through native epoll (every option readable)
 */
public record SocketOptions(Boolean keepAlive, Duration keepIdle, Duration keepInterval, Integer keepCount,
                            Duration userTimeout, boolean nativeTransport) {

    /** Options to apply: keepalive on or off with its timings, and the user timeout (zero: kernel default). */
    public static SocketOptions of(boolean keepAlive, Duration keepIdle, Duration keepInterval, int keepCount,
                                   Duration userTimeout) {
        return new SocketOptions(keepAlive, keepIdle, keepInterval, keepCount, userTimeout, false);
    }
}
