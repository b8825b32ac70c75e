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

    /**
     * First frame a client sends, right after the preamble. A client that speaks sessions (SEQ_DATA
     * and ACK) says so with {@code receivedSeq >= 0}: the highest server sequence number it has
     * received in order (0 for a new session). {@link #NOT_SEQUENCED} (-1) leaves the field out.
     *
     * <p>A null {@code resumeToken} leaves the token field out (a new session); any array, even an
     * empty one, is sent and received as the field: a server must tell a client that sent no token
     * from one that sent a broken one ({@link #resumeProblem()}).
     */
    record Hello(String clientName, long heartbeatIntervalMillis, byte[] resumeToken, long receivedSeq) implements Frame {
        /** {@code receivedSeq} of a client that does not speak sequenced messages: the field is absent. */
        public static final long NOT_SEQUENCED = -1;
        /** Length of a resume token: 128 bits (docs/PROTOCOL.md, Sessions). */
        public static final int RESUME_TOKEN_LENGTH = 16;
        private static final byte[] NO_TOKEN = new byte[0];

        public Hello {
            clientName = clientName == null ? "" : clientName;
            resumeToken = resumeToken == null ? null : resumeToken.clone();
            receivedSeq = Math.max(receivedSeq, NOT_SEQUENCED);
        }

        public Hello(String clientName, long heartbeatIntervalMillis, byte[] resumeToken) {
            this(clientName, heartbeatIntervalMillis, resumeToken, NOT_SEQUENCED);
        }

        public Hello(String clientName, long heartbeatIntervalMillis) {
            this(clientName, heartbeatIntervalMillis, null, NOT_SEQUENCED);
        }

        /** True when the client speaks SEQ_DATA/ACK (it sent the received-sequence field). */
        public boolean sequenced() {
            return receivedSeq >= 0;
        }

        /** The token's bytes; empty when the field is absent or empty ({@link #hasResumeToken()} tells which). */
        @Override
        public byte[] resumeToken() {
            return resumeToken == null ? NO_TOKEN : resumeToken.clone();
        }

        /** True when the client sent the resume-token field (asks to resume), whatever its length. */
        public boolean hasResumeToken() {
            return resumeToken != null;
        }

        /**
         * Why this HELLO's session fields cannot be a request the server can grant, or null: the
         * token field empty or not {@link #RESUME_TOKEN_LENGTH} bytes; a token without the
         * received-sequence field (only a sequenced session resumes, and it needs to know where); or a
         * received sequence above 0 without a token (a new session has received nothing). A server
         * refuses such a HELLO with CLOSE 1104 rather than guess (docs/PROTOCOL.md, Sessions).
         */
        public String resumeProblem() {
            if (resumeToken == null) {
                return receivedSeq > 0 ? "received seq " + receivedSeq + " without a resume token (HELLO field 4 is 0 for a new session)"
                        : null;
            }
            if (resumeToken.length != RESUME_TOKEN_LENGTH) {
                return resumeToken.length == 0 ? "empty resume token (HELLO field 3 with no bytes)"
                        : "resume token of " + resumeToken.length + " bytes; tokens are " + RESUME_TOKEN_LENGTH;
            }
            return receivedSeq < 0 ? "resume token without HELLO field 4 (received seq): only a sequenced session resumes" : null;
        }

        @Override
        public FrameType type() {
            return FrameType.HELLO;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hello h && h.clientName.equals(clientName)
                    && h.heartbeatIntervalMillis == heartbeatIntervalMillis && Arrays.equals(h.resumeToken, resumeToken)
                    && h.receivedSeq == receivedSeq;
        }

        @Override
        public int hashCode() {
            return Objects.hash(clientName, heartbeatIntervalMillis, Arrays.hashCode(resumeToken), receivedSeq);
        }

        @Override
        public String toString() {
            return "Hello[" + clientName + ", heartbeat " + heartbeatIntervalMillis + " ms, "
                    + (resumeToken == null ? "no token" : "token " + resumeToken.length + " B")
                    + (receivedSeq >= 0 ? ", received seq " + receivedSeq : "") + "]";
        }
    }

    /**
     * The server's answer to HELLO: who the connection is and what liveness the server expects, so a
     * client never pings slower than the server needs nor faster than it allows. Zero means "off".
     */
    record Welcome(long connectionId, long idleTimeoutMillis, long serverPingIntervalMillis,
                   long serverPingTimeoutMillis, long minPingIntervalMillis, long maxFrameLength,
                   String serverName, byte[] resumeToken, boolean resumed, long receivedSeq) implements Frame {
        public Welcome {
            serverName = serverName == null ? "" : serverName;
            resumeToken = resumeToken == null ? new byte[0] : resumeToken.clone();
            receivedSeq = Math.max(receivedSeq, Hello.NOT_SEQUENCED);
        }

        /** A WELCOME without the sessions' received-sequence field. */
        public Welcome(long connectionId, long idleTimeoutMillis, long serverPingIntervalMillis,
                       long serverPingTimeoutMillis, long minPingIntervalMillis, long maxFrameLength,
                       String serverName, byte[] resumeToken, boolean resumed) {
            this(connectionId, idleTimeoutMillis, serverPingIntervalMillis, serverPingTimeoutMillis, minPingIntervalMillis,
                    maxFrameLength, serverName, resumeToken, resumed, Hello.NOT_SEQUENCED);
        }

        /** True when the session is sequenced: the client must send SEQ_DATA and ACK, and will receive them. */
        public boolean sequenced() {
            return receivedSeq >= 0;
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
                    && w.serverName.equals(serverName) && Arrays.equals(w.resumeToken, resumeToken) && w.resumed == resumed
                    && w.receivedSeq == receivedSeq;
        }

        @Override
        public int hashCode() {
            return Objects.hash(connectionId, idleTimeoutMillis, serverPingIntervalMillis, serverPingTimeoutMillis,
                    minPingIntervalMillis, maxFrameLength, serverName, Arrays.hashCode(resumeToken), resumed, receivedSeq);
        }

        @Override
        public String toString() {
            return "Welcome[id " + connectionId + ", idle " + idleTimeoutMillis + " ms, server ping "
                    + serverPingIntervalMillis + "/" + serverPingTimeoutMillis + " ms, min ping "
                    + minPingIntervalMillis + " ms, max frame " + maxFrameLength + ", " + serverName
                    + (resumed ? ", resumed" : "") + (receivedSeq >= 0 ? ", received seq " + receivedSeq : "") + "]";
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

    /**
     * Sessions: an application message with its sequence number. Each direction of a session
     * numbers its messages 1, 2, 3, ... without gaps; the receiver delivers {@code seq} only when it
     * is one more than the last it delivered and drops (but acknowledges) any it already has.
     */
    record SeqData(long seq, byte[] payload) implements Frame {
        public SeqData {
            Objects.requireNonNull(payload, "payload");
            if (seq < 1) {
                throw new IllegalArgumentException("seq must be at least 1, got " + seq);
            }
        }

        public static SeqData of(long seq, String text) {
            return new SeqData(seq, text.getBytes(StandardCharsets.UTF_8));
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public FrameType type() {
            return FrameType.SEQ_DATA;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SeqData d && d.seq == seq && Arrays.equals(d.payload, payload);
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(seq) + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "SeqData[" + seq + ", " + payload.length + " B]";
        }
    }

    /** Sessions: every sequenced message up to and including {@code seq} has arrived (cumulative). */
    record Ack(long seq) implements Frame {
        public Ack {
            if (seq < 0) {
                throw new IllegalArgumentException("seq must not be negative, got " + seq);
            }
        }

        @Override
        public FrameType type() {
            return FrameType.ACK;
        }
    }
}
