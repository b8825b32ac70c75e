package io.tether.core.close;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.Errors;
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
}
