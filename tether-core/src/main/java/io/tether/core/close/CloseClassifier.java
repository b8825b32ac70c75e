package io.tether.core.close;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.unix.Errors;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.tether.core.protocol.ProtocolException;
import java.io.IOException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Names the reason behind a socket error, for the server and the client alike. The kernel says ETIMEDOUT both when keepalive probes go
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
        return classify(cause, channel, keepaliveOn, false);
    }

    /**
     * As {@link #classify(Throwable, Channel, boolean)}; {@code onWrite} says the error failed a
     * write. A timeout seen by a write had data waiting, and the kernel never runs keepalive while
     * data is queued, so it is a user timeout (or the retransmission limit) even when TCP_INFO can
     * no longer be read because Netty already closed the socket (the lab's scenarios 5 and 8).
     */
    public static CloseReason classify(Throwable cause, Channel channel, boolean keepaliveOn, boolean onWrite) {
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof SSLException && t.getCause() instanceof IOException io && !(io instanceof SSLException)) {
            t = io; // TLS could not write or read because the socket failed: the socket's error is the reason
        }
        if (t instanceof ProtocolException || t instanceof TooLongFrameException || t instanceof SSLException) {
            // SSLException: bytes that are not TLS, a failed handshake, a record that does not decrypt.
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
            return onWrite ? CloseReason.USER_TIMEOUT : timeoutKind(channel, keepaliveOn);
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
                // Nothing unacked and no probe outstanding: a keepalive abort always leaves its probes
                // counted, so this is a zero-window stall cut by TCP_USER_TIMEOUT (measured in the lab's
                // scenario 8: probes=0, backoff=0, last ACK 0.7 s old, the peer alive but not reading).
                if (info.probes() == 0) {
                    return CloseReason.USER_TIMEOUT;
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
