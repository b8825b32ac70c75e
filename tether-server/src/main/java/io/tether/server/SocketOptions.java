package io.tether.server;

import java.time.Duration;

/**
 * Keepalive options as read back from the kernel (getsockopt), not as configured, so a test or
 * an operator can see what is really in force. Fields the transport cannot read are null.
 */
public record SocketOptions(Boolean keepAlive, Duration keepIdle, Duration keepInterval, Integer keepCount,
                            Duration userTimeout, boolean nativeTransport) {
}
