package io.tether.core.close;

/**
 * Why a connection ended. Every close carries exactly one reason; the wire code is the value a
 * CLOSE frame carries (see docs/PROTOCOL.md), so both sides can name the same reason.
 */
public enum CloseReason {
    /** The peer closed its side in order (FIN, or a CLOSE frame saying so). */
    PEER_CLOSED(1000, "peer closed"),
    /** The peer's kernel reset the connection (RST): process killed, port closed, host rebooted. */
    PEER_RESET(1001, "peer reset"),
    /** Nothing was received for {@code heartbeat_idle_time}. */
    IDLE_TIMEOUT(1002, "idle timeout"),
    /** TCP keepalive probes went unanswered ({@code tcp_keepcount} of them). */
    KEEPALIVE_TIMEOUT(1003, "keepalive timeout"),
    /** Sent data stayed unacknowledged for {@code tcp_user_timeout} (or the kernel's retransmission limit). */
    USER_TIMEOUT(1004, "user timeout"),
    /** An application ping got no answer within its timeout. */
    PING_TIMEOUT(1005, "ping timeout"),
    /** The server's own code closed it ({@code conn.close()}). */
    CLOSED_BY_SERVER(1006, "closed by server"),
    /** The client's own code closed it. */
    CLOSED_BY_CLIENT(1007, "closed by client"),
    /** The peer sent bytes that break the protocol (oversized or malformed frame). */
    PROTOCOL_ERROR(1008, "protocol error"),
    /** The server is shutting down. */
    SHUTDOWN(1009, "shutdown"),
    /** Refused because {@code max_connection} was reached. */
    LIMIT_REACHED(1010, "limit reached"),
    /** The peer pinged faster than the server's minimum ping interval, after being told. */
    TOO_MANY_PINGS(1011, "too many pings"),
    /** The network answered that the peer cannot be reached (ICMP host or network unreachable). */
    UNREACHABLE(1012, "unreachable"),
    /** A health check failed and the client gave up on this endpoint. */
    UNHEALTHY(1013, "unhealthy"),
    /**
     * The peer did not read what the server sent: its queued outbound bytes went over
     * {@code outbound_hard_limit}, or stayed over {@code max_outbound_bytes} for
     * {@code outbound_soft_time}.
     */
    SLOW_CONSUMER(1014, "slow consumer"),
    /** Any other I/O error; the detail says which. */
    ERROR(1099, "error");

    private final int code;
    private final String text;

    CloseReason(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The wire code carried by a CLOSE frame. */
    public int code() {
        return code;
    }

    /** Lower-case words, as printed in logs: {@code "idle timeout"}. */
    public String text() {
        return text;
    }

    /** The reason for a wire code, or {@link #ERROR} for a code this version does not know. */
    public static CloseReason fromCode(int code) {
        for (CloseReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return ERROR;
    }

    @Override
    public String toString() {
        return text;
    }
}
