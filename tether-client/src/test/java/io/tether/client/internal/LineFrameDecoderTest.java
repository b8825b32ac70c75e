package io.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Examples for the client's line decoding; LineDecodersFuzzTest fuzzes it. */
class LineFrameDecoderTest {

    private static Object decode(String line) {
        EmbeddedChannel ch = new EmbeddedChannel(new LineBasedFrameDecoder(1024, true, true), new LineFrameDecoder());
        try {
            ch.writeInbound(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8));
            return ch.readInbound();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void serverLinesBecomeFrames() {
        assertThat(decode("pong\n")).isEqualTo(new Frame.Pong(0, true, ""));
        assertThat(decode("pong unhealthy redis,mysql\r\n")).isEqualTo(new Frame.Pong(0, false, "redis,mysql"));
        assertThat(decode("notice too many pings: at most one every 500 ms\n"))
                .isEqualTo(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 500, "notice too many pings: at most one every 500 ms"));
        assertThat(decode("error protocol error: bad\n")).isEqualTo(new Frame.Close(CloseReason.PROTOCOL_ERROR.code(), "protocol error: bad"));
        assertThat(decode("hello\n")).isEqualTo(Frame.Data.of("hello"));
    }

    /**
     * Regression (found by LineDecodersFuzzTest): an interval too long for a long made
     * Long.parseLong throw NumberFormatException out of the decoder, and the client closed with
     * reason "error" instead of reading a notice. A NOTICE's value is a u32 in the frame protocol;
     * line mode now caps it the same way.
     */
    @Test
    void aHugeNoticeIntervalIsCappedNotThrown() {
        String line = "notice too many pings: at most one every 99999999999999999999 ms";
        assertThat(decode(line + "\n")).isEqualTo(new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 0xFFFF_FFFFL, line));
        assertThat(LineFrameDecoder.millis("4294967295")).isEqualTo(0xFFFF_FFFFL);
        assertThat(LineFrameDecoder.millis("4294967294")).isEqualTo(0xFFFF_FFFEL);
        assertThat(LineFrameDecoder.millis("0")).isZero();
    }
}
