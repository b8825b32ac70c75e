package io.tether.client.internal;

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
 * Names the close reason behind a socket error on the client's side (the same rules as the
 * server's classifier). ETIMEDOUT means either unanswered keepalive probes or unacknowledged data
 * (TCP_USER_TIMEOUT); TCP_INFO tells which, since data in flight shows as retransmits/unacked.
 */
final class Failures {
    private static final int EPIPE = 32;
    private static final int ENETUNREACH = 101;
    private static final int ECONNRESET = 104;
    private static final int ETIMEDOUT = 110;
    private static final int EHOSTUNREACH = 113;

    private Failures() {
    }

    static CloseReason classify(Throwable cause, Channel channel, boolean keepaliveOn) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof ProtocolException || t instanceof TooLongFrameException) {
            return CloseReason.PROTOCOL_ERROR;
        }
        if (!(t instanceof IOException)) {
            return CloseReason.ERROR;
        }
        int errno = t instanceof Errors.NativeIoException n ? Math.abs(n.expectedErr()) : 0;
        if (errno == ECONNRESET || errno == EPIPE) {
            return CloseReason.PEER_RESET;
        }
        if (errno == EHOSTUNREACH || errno == ENETUNREACH) {
            return CloseReason.UNREACHABLE;
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        if (errno == ETIMEDOUT || m.contains("timed out")) {
            return timeoutKind(channel, keepaliveOn);
        }
        if (m.contains("connection reset") || m.contains("broken pipe")) {
            return CloseReason.PEER_RESET;
        }
        if (m.contains("no route to host") || m.contains("unreachable")) {
            return CloseReason.UNREACHABLE;
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
                // The socket may be gone already; fall back to the configured guess.
            }
        }
        return keepaliveOn ? CloseReason.KEEPALIVE_TIMEOUT : CloseReason.USER_TIMEOUT;
    }
}
