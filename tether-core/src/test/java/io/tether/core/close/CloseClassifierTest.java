package io.tether.core.close;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.Errors;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.tether.core.protocol.ProtocolException;
import java.io.IOException;
import io.tether.testkit.Requires;
import org.junit.jupiter.api.Test;

/**
 * The classifications the fault lab (docs/LAB.md) showed to matter: an ETIMEDOUT that fails a
 * write is a user timeout even when TCP_INFO can no longer be read, and EHOSTUNREACH stays
 * unreachable wherever it surfaces.
 */
class CloseClassifierTest {

    @Test
    @Requires(nativeEpoll = true) // Errors.newIOException needs the native library
    void timeoutOnAWriteIsAUserTimeoutEvenWithKeepaliveOn() {
        // EmbeddedChannel has no TCP_INFO, like a socket Netty already closed.
        EmbeddedChannel ch = new EmbeddedChannel();
        Throwable timedOut = Errors.newIOException("writevAddresses(..)", -110);
        assertThat(CloseClassifier.classify(timedOut, ch, true, true)).isEqualTo(CloseReason.USER_TIMEOUT);
        assertThat(CloseClassifier.classify(timedOut, ch, true, false)).isEqualTo(CloseReason.KEEPALIVE_TIMEOUT);
        Throwable unreachable = Errors.newIOException("writevAddresses(..)", -113);
        assertThat(CloseClassifier.classify(unreachable, ch, true, true)).isEqualTo(CloseReason.UNREACHABLE);
        ch.finishAndReleaseAll();
    }

    @Test
    @Requires(nativeEpoll = true)
    void errnoDecidesResetAndTimeoutWithoutKeepalive() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThat(CloseClassifier.classify(Errors.newIOException("readAddress(..)", -104), ch, true))
                .as("ECONNRESET").isEqualTo(CloseReason.PEER_RESET);
        assertThat(CloseClassifier.classify(Errors.newIOException("writeAddress(..)", -32), ch, true))
                .as("EPIPE").isEqualTo(CloseReason.PEER_RESET);
        assertThat(CloseClassifier.classify(Errors.newIOException("readAddress(..)", -101), ch, false))
                .as("ENETUNREACH").isEqualTo(CloseReason.UNREACHABLE);
        assertThat(CloseClassifier.classify(Errors.newIOException("readAddress(..)", -110), ch, false))
                .as("ETIMEDOUT with keepalive off can only be the user timeout").isEqualTo(CloseReason.USER_TIMEOUT);
        ch.finishAndReleaseAll();
    }

    @Test
    void theJdksMessagesNameTheSameReasonsAsErrno() {
        // NIO has no errno: the JDK's messages are all there is.
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThat(CloseClassifier.classify(new IOException("Connection reset by peer"), ch, true))
                .isEqualTo(CloseReason.PEER_RESET);
        assertThat(CloseClassifier.classify(new IOException("Broken pipe"), ch, true)).isEqualTo(CloseReason.PEER_RESET);
        assertThat(CloseClassifier.classify(new IOException("No route to host"), ch, true)).isEqualTo(CloseReason.UNREACHABLE);
        assertThat(CloseClassifier.classify(new IOException("Connection timed out"), ch, false))
                .isEqualTo(CloseReason.USER_TIMEOUT);
        assertThat(CloseClassifier.classify(new IOException("Connection timed out"), ch, true))
                .as("no TCP_INFO to tell: the configured guess").isEqualTo(CloseReason.KEEPALIVE_TIMEOUT);
        assertThat(CloseClassifier.classify(new IOException("something else"), ch, true)).isEqualTo(CloseReason.ERROR);
        ch.finishAndReleaseAll();
    }

    @Test
    void protocolViolationsAndNonIoFailures() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertThat(CloseClassifier.classify(new ProtocolException("bad preamble"), ch, true))
                .isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(CloseClassifier.classify(new DecoderException(new ProtocolException("bad frame")), ch, true))
                .as("unwrapped from Netty's DecoderException").isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(CloseClassifier.classify(new TooLongFrameException("too long"), ch, true))
                .isEqualTo(CloseReason.PROTOCOL_ERROR);
        assertThat(CloseClassifier.classify(new IllegalStateException("bug"), ch, true)).isEqualTo(CloseReason.ERROR);
        ch.finishAndReleaseAll();
    }
}
