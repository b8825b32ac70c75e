package io.tether.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.unix.Errors;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.ProtocolException;
import java.io.IOException;
import java.util.Locale;

/**
 * Names the reason behind a socket error. The kernel says ETIMEDOUT both when keepalive probes go
 * unanswered and when sent data is never acknowledged (TCP_USER_TIMEOUT or retransmission
 * limit); TCP_INFO tells them apart: retransmissions or unacknowledged segments mean data was in
 * flight.
 */
public final class CloseClassifier {
    private static final int EPIPE = 32;
    private static final int ENETUNREACH = 101;
    private static final int ECONNRESET = 104;
    private static final int ETIMEDOUT = 110;
    private static final int EHOSTUNREACH = 113;

    private CloseClassifier() {
    }

    /** The reason for {@code cause}, looking at the channel's TCP state where that decides it. */
    public static CloseReason classify(Throwable cause, Channel channel, boolean keepaliveOn) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof ProtocolException || t instanceof TooLongFrameException) {
            return CloseReason.PROTOCOL_ERROR;
        }
        if (!(t instanceof IOException)) {
            return CloseReason.ERROR;
        }
        int errno = errno(t);
        if (errno == ECONNRESET || errno == EPIPE) {
            return CloseReason.PEER_RESET;
        }
        if (errno == EHOSTUNREACH || errno == ENETUNREACH) {
            return CloseReason.UNREACHABLE;
        }
        if (errno == ETIMEDOUT) {
            return timeoutKind(channel, keepaliveOn);
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("connection reset") || m.contains("broken pipe")) {
            return CloseReason.PEER_RESET;
        }
        if (m.contains("no route to host") || m.contains("unreachable")) {
            return CloseReason.UNREACHABLE;
        }
        if (m.contains("timed out")) {
            return timeoutKind(channel, keepaliveOn);
        }
        return CloseReason.ERROR;
    }

    private static CloseReason timeoutKind(Channel channel, boolean keepaliveOn) {
        if (channel instanceof EpollSocketChannel ec) {
            try {
                EpollTcpInfo info = ec.tcpInfo();
                if (info.retransmits() > 0 || info.unacked() > 0) {
                    return CloseReason.USER_TIMEOUT;
                }
                if (info.probes() > 0 && keepaliveOn) {
                    return CloseReason.KEEPALIVE_TIMEOUT;
                }
            } catch (RuntimeException e) {
                // The socket may already be gone; fall through to the configured guess.
            }
        }
        return keepaliveOn ? CloseReason.KEEPALIVE_TIMEOUT : CloseReason.USER_TIMEOUT;
    }

    /** The positive errno of a native I/O error, or 0. */
    static int errno(Throwable t) {
        if (t instanceof Errors.NativeIoException n) {
            return Math.abs(n.expectedErr());
        }
        return 0;
    }
}
