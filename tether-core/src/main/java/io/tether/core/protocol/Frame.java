package io.tether.core.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One frame of the frame protocol. Each kind is a small immutable record; {@link FrameCodec}
 * turns them into bytes and back. The byte layout of every kind is in docs/PROTOCOL.md.
 */
public sealed interface Frame {

    FrameType type();

    /** First frame a client sends, right after the preamble. */
    record Hello(String clientName, long heartbeatIntervalMillis, byte[] resumeToken) implements Frame {
        public Hello {
            clientName = clientName == null ? "" : clientName;
            resumeToken = resumeToken == null ? new byte[0] : resumeToken.clone();
        }

        public Hello(String clientName, long heartbeatIntervalMillis) {
            this(clientName, heartbeatIntervalMillis, null);
        }

        @Override
        public byte[] resumeToken() {
            return resumeToken.clone();
        }

        @Override
        public FrameType type() {
            return FrameType.HELLO;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hello h && h.clientName.equals(clientName)
                    && h.heartbeatIntervalMillis == heartbeatIntervalMillis && Arrays.equals(h.resumeToken, resumeToken);
        }

        @Override
        public int hashCode() {
            return Objects.hash(clientName, heartbeatIntervalMillis, Arrays.hashCode(resumeToken));
        }

        @Override
        public String toString() {
            return "Hello[" + clientName + ", heartbeat " + heartbeatIntervalMillis + " ms, token " + resumeToken.length + " B]";
        }
    }

    /**
     * The server's answer to HELLO: who the connection is and what liveness the server expects, so a
     * client never pings slower than the server needs nor faster than it allows. Zero means "off".
     */
    record Welcome(long connectionId, long idleTimeoutMillis, long serverPingIntervalMillis,
                   long serverPingTimeoutMillis, long minPingIntervalMillis, long maxFrameLength,
                   String serverName, byte[] resumeToken, boolean resumed) implements Frame {
        public Welcome {
            serverName = serverName == null ? "" : serverName;
            resumeToken = resumeToken == null ? new byte[0] : resumeToken.clone();
        }

        @Override
        public byte[] resumeToken() {
            return resumeToken.clone();
        }

        @Override
        public FrameType type() {
            return FrameType.WELCOME;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Welcome w && w.connectionId == connectionId && w.idleTimeoutMillis == idleTimeoutMillis
                    && w.serverPingIntervalMillis == serverPingIntervalMillis
                    && w.serverPingTimeoutMillis == serverPingTimeoutMillis
                    && w.minPingIntervalMillis == minPingIntervalMillis && w.maxFrameLength == maxFrameLength
                    && w.serverName.equals(serverName) && Arrays.equals(w.resumeToken, resumeToken) && w.resumed == resumed;
        }

        @Override
        public int hashCode() {
            return Objects.hash(connectionId, idleTimeoutMillis, serverPingIntervalMillis, serverPingTimeoutMillis,
                    minPingIntervalMillis, maxFrameLength, serverName, Arrays.hashCode(resumeToken), resumed);
        }

        @Override
        public String toString() {
            return "Welcome[id " + connectionId + ", idle " + idleTimeoutMillis + " ms, server ping "
                    + serverPingIntervalMillis + "/" + serverPingTimeoutMillis + " ms, min ping "
                    + minPingIntervalMillis + " ms, max frame " + maxFrameLength + ", " + serverName
                    + (resumed ? ", resumed" : "") + "]";
        }
    }

    /** An application message. */
    record Data(byte[] payload) implements Frame {
        public Data {
            Objects.requireNonNull(payload, "payload");
        }

        public static Data of(String text) {
            return new Data(text.getBytes(StandardCharsets.UTF_8));
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public FrameType type() {
            return FrameType.DATA;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data d && Arrays.equals(d.payload, payload);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Data[" + payload.length + " B]";
        }
    }

    /** A liveness probe; the other side answers with a PONG carrying the same id. */
    record Ping(long id) implements Frame {
        @Override
        public FrameType type() {
            return FrameType.PING;
        }
    }

    /** Answer to a PING. {@code healthy} is false when a server health check failed; detail names them. */
    record Pong(long id, boolean healthy, String detail) implements Frame {
        public Pong {
            detail = detail == null ? "" : detail;
        }

        @Override
        public FrameType type() {
            return FrameType.PONG;
        }
    }

    /** Sent before closing the socket on purpose, saying why. {@code code} is a CloseReason code. */
    record Close(int code, String reason) implements Frame {
        public Close {
            reason = reason == null ? "" : reason;
        }

        @Override
        public FrameType type() {
            return FrameType.CLOSE;
        }
    }

    /** Advice from the server that does not close the connection, such as "you ping too often". */
    record Notice(int code, long value, String text) implements Frame {
        /** Notice code: the client pinged faster than {@code value} milliseconds allow. */
        public static final int TOO_MANY_PINGS = 1;

        public Notice {
            text = text == null ? "" : text;
        }

        @Override
        public FrameType type() {
            return FrameType.NOTICE;
        }
    }
}
