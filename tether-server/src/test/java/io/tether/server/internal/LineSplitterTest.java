package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Examples for LineSplitter; ConnectionCodecFuzzTest fuzzes it through the pipeline. */
class LineSplitterTest {

    /** What ConnectionCodec keeps of a connection's line state: the scan position and the limit. */
    private static final class Splitter {
        final int maxLength;
        int scanned;

        Splitter(int maxLength) {
            this.maxLength = maxLength;
        }

        int next(ByteBuf in) {
            int length = LineSplitter.next(in, scanned, maxLength);
            scanned = length < 0 ? in.readableBytes() : 0;
            return length;
        }

        int rest(ByteBuf in) {
            scanned = 0;
            return LineSplitter.rest(in, maxLength);
        }
    }

    private static List<String> lines(Splitter s, ByteBuf in) {
        List<String> out = new ArrayList<>();
        for (;;) {
            int start = in.readerIndex();
            int length = s.next(in);
            if (length < 0) {
                return out;
            }
            out.add(in.toString(start, length, StandardCharsets.UTF_8));
        }
    }

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void cutsLinesAndDropsOneCrBeforeLf() {
        ByteBuf in = buf("a\r\nb\n\nc\r\r\nd");
        try {
            assertThat(lines(new Splitter(64), in)).containsExactly("a", "b", "", "c\r");
            assertThat(in.readableBytes()).isEqualTo(1);
        } finally {
            in.release();
        }
    }

    @Test
    void refusesALineOverTheLimitAsSoonAsItCannotFit() {
        Splitter s = new Splitter(4);
        ByteBuf in = buf("abcd\r"); // could still be "abcd" + CRLF
        try {
            assertThat(s.next(in)).as("no complete line").isEqualTo(-1);
            in.writeByte('e');
            assertThatThrownBy(() -> s.next(in)).isInstanceOf(ProtocolException.class);
        } finally {
            in.release();
        }
    }

    /**
     * Regression (found by ConnectionCodecFuzzTest): with package_max_length Integer.MAX_VALUE,
     * {@code maxLength + 1} overflowed, so any unfinished line, even the empty rest after a complete
     * one, was refused as "longer than package_max_length" and the connection closed.
     */
    @Test
    void noLimitOverflowAtIntegerMaxValue() {
        Splitter s = new Splitter(Integer.MAX_VALUE);
        ByteBuf in = buf("hello\nwor");
        try {
            assertThat(lines(s, in)).containsExactly("hello");
            in.writeCharSequence("ld\n", StandardCharsets.UTF_8);
            assertThat(lines(s, in)).containsExactly("world");
            assertThat(lines(s, in)).isEmpty();
        } finally {
            in.release();
        }
    }

    @Test
    void theRestAtTheFinIsALineWithinTheLimit() {
        Splitter s = new Splitter(4);
        ByteBuf in = buf("ab\nping\r");
        try {
            assertThat(lines(s, in)).containsExactly("ab");
            int start = in.readerIndex();
            assertThat(in.toString(start, s.rest(in), StandardCharsets.UTF_8)).as("a CR before the FIN dropped").isEqualTo("ping");
            assertThat(in.isReadable()).isFalse();
            in.writeCharSequence("abcde", StandardCharsets.UTF_8);
            assertThatThrownBy(() -> s.rest(in)).isInstanceOf(ProtocolException.class);
        } finally {
            in.release();
        }
    }
}
