package io.tether.client;

import java.time.Duration;

/**
 * The keepalive options in force on the client's socket, read back from the kernel (getsockopt),
 * not as configured. Fields the transport cannot read are null (NIO cannot read TCP_USER_TIMEOUT).
 */
public record ClientSocketOptions(Boolean keepAlive, Duration keepIdle, Duration keepInterval, Integer keepCount,
                                  Duration userTimeout, boolean nativeTransport) {
}
