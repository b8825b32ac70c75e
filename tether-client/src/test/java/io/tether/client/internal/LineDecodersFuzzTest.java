package io.tether.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.tether.core.close.CloseClassifier;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.testkit.fuzz.Fuzz;
import io.tether.testkit.fuzz.Pieces;
import io.tether.testkit.fuzz.Source;
import io.tether.testkit.netty.TrackingAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the client's line-mode decoders as ClientConnection builds them: Netty's
 * LineBasedFrameDecoder (package_max_length, fail fast) then {@link LineFrameDecoder}. Whatever the
 * server sends, in any split, the pipeline yields frames; the only error is Netty's
 * TooLongFrameException for a line over the limit, which CloseClassifier names a protocol error
 * (the client then closes with that reason); no buffer is left unreleased (a {@link TrackingAllocator}
 * checks each case). Lines within the limit
 * map to the frames docs/CLIENT.md describes. (The client's frame mode uses core's FrameDecoder,
 * fuzzed in tether-core.)
 *
 * <p>Bounded for CI; a failure names its seed: rerun with {@code -Dtether.fuzz.seed=<seed>}.
 */
@Timeout(120)
class LineDecodersFuzzTest {

    record Case(int max, byte[] input, List<Integer> cuts) {
    }

    @Test
    void anyBytesInAnySplitYieldFramesOrALineTooLong() {
        Fuzz.property("client line decoders", 3000).check(
                src -> new Case(src.pick(64, 8, 1024, 1 << 20), src.weighted(4, 1) == 0 ? serverLines(src) : src.bytes(200),
                        Pieces.cuts(src)),
                LineDecodersFuzzTest::decodeChecked);
    }

    /** What a Tether server (or something pretending) says in line mode, and variations. */
    private static byte[] serverLines(Source src) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (String line : src.list(0, 6, 3, LineDecodersFuzzTest::serverLine)) {
                b.writeCharSequence(line, StandardCharsets.UTF_8);
                b.writeCharSequence(src.pick("\n", "\r\n", "\r\r\n", ""), StandardCharsets.US_ASCII);
            }
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static String serverLine(Source src) {
        String digits = digits(src);
        return switch (src.intBetween(0, 9)) {
            case 0 -> src.pick("pong", " pong ", "PONG", "pong\r", "pongs");
            case 1 -> "pong unhealthy " + src.pick("redis", "redis,mysql", "", " x ");
            case 2 -> "notice too many pings: at most one every " + digits + " ms";
            case 3 -> "notice too many pings" + src.pick("", " ms", " " + digits + "ms", " -" + digits + " ms", ": " + digits + " ms "
                    + digits + " ms");
            case 4 -> "error too many pings: pings closer than " + digits + " ms";
            case 5 -> "error protocol error: " + src.pick("line of 9 bytes exceeds package_max_length 8", "");
            case 6 -> src.pick("ping", "PING ", "p\u0130ng", "\u0130", "pong unhealthy \u0130\u0130", "error \u0130",
                    "notice too many p\u0130ngs 5 ms", "\u212Aelvin", "\uFEFFpong");
            case 7 -> "echo " + digits;
            default -> new String(src.bytes(30), StandardCharsets.ISO_8859_1);
        };
    }

    /** Decimal digits, sometimes far more than a long holds. */
    private static String digits(Source src) {
        StringBuilder sb = new StringBuilder();
        int n = src.weighted(3, 1) == 0 ? src.intBetween(1, 6) : src.intBetween(7, 30);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + src.intBetween(0, 9)));
        }
        return sb.toString();
    }

    private static void decodeChecked(Case c) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new LineBasedFrameDecoder(c.max, true, true), new LineFrameDecoder());
        List<Frame> frames = new ArrayList<>();
        int tooLong = 0;
        try {
            for (byte[] piece : Pieces.split(c.input, c.cuts)) {
                try {
                    ch.writeInbound(alloc.copyOf(piece));
                } catch (TooLongFrameException e) {
                    assertThat(CloseClassifier.classify(e, ch, false)).isEqualTo(CloseReason.PROTOCOL_ERROR);
                    tooLong++;
                } catch (Throwable t) {
                    fail("not a frame and not a line too long: " + t, t);
                }
                Object o;
                while ((o = ch.readInbound()) != null) {
                    if (!(o instanceof Frame f)) {
                        fail("decoded a " + o.getClass().getName() + ": " + o);
                        return;
                    }
                    frames.add(f);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        assertThat(alloc.unreleased()).as("buffers never released").isEmpty();
        List<byte[]> lines = completeLines(c.input);
        if (withinLimit(c.input, c.max)) {
            assertThat(tooLong).isZero();
            assertThat(frames).hasSameSizeAs(lines);
            for (int i = 0; i < lines.size(); i++) {
                assertThat(frames.get(i)).as("line %s", Fuzz.describe(lines.get(i))).isEqualTo(expected(lines.get(i)));
            }
        }
    }

    /**
     * True when no line can be refused in any split: LineBasedFrameDecoder counts a CR whose LF has
     * not arrived yet, so a line of exactly the limit plus CRLF is refused when a read ends between
     * them (a Tether server ends its lines with LF alone). The unfinished last line counts too.
     */
    private static boolean withinLimit(byte[] in, int max) {
        int start = 0;
        for (int i = 0; i <= in.length; i++) {
            if (i == in.length || in[i] == '\n') {
                if (i - start > max) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** The complete lines of {@code in}, without LF and a CR before it (what LineBasedFrameDecoder strips). */
    private static List<byte[]> completeLines(byte[] in) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\n') {
                int end = i > start && in[i - 1] == '\r' ? i - 1 : i;
                lines.add(Arrays.copyOfRange(in, start, end));
                start = i + 1;
            }
        }
        return lines;
    }

    /**
     * What a line means to the client (docs/CLIENT.md, line mode): keywords are matched ignoring
     * case and surrounding whitespace; a NOTICE's value is the first "N ms" (at most the u32 a
     * NOTICE frame carries); anything else is a message, byte for byte (less a trailing CR).
     */
    private static Frame expected(byte[] line) {
        byte[] content = line.length > 0 && line[line.length - 1] == '\r' ? Arrays.copyOf(line, line.length - 1) : line;
        String text = new String(content, StandardCharsets.UTF_8);
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("pong")) {
            return new Frame.Pong(0, true, "");
        }
        if (t.startsWith("pong unhealthy")) {
            return new Frame.Pong(0, false, text.trim().substring(14).trim());
        }
        if (t.equals("ping")) {
            return new Frame.Ping(0);
        }
        if (t.startsWith("notice too many pings")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) ms").matcher(t);
            long value = 0;
            if (m.find()) {
                java.math.BigInteger n = new java.math.BigInteger(m.group(1));
                value = n.min(java.math.BigInteger.valueOf(0xFFFF_FFFFL)).longValueExact();
            }
            return new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, value, text);
        }
        if (t.startsWith("error too many pings")) {
            return new Frame.Close(CloseReason.TOO_MANY_PINGS.code(), text.trim().substring(6));
        }
        if (t.startsWith("error protocol error")) {
            return new Frame.Close(CloseReason.PROTOCOL_ERROR.code(), text.trim().substring(6));
        }
        return new Frame.Data(content);
    }

}
