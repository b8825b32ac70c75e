package io.tether.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one connection, like Swoole's getClientInfo. Wall-clock instants are for people;
 * {@code silentFor} comes from the monotonic clock.
 */
public record ConnectionInfo(long id, InetSocketAddress remoteAddress, InetSocketAddress localAddress,
                             Framing framing, Instant connectedAt, Instant lastReceiveAt, Instant lastSendAt,
                             long bytesIn, long bytesOut, Duration silentFor) {
}
