package io.tether.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tether.testkit.fuzz.Source;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Generators for the fuzz properties: valid frames of every type (within the ranges the wire
 * format carries), their encodings, edits of those encodings, frame headers with odd lengths,
 * and split points.
 */
final class WireGen {
    static final long U32_MAX = 0xFFFF_FFFFL;
    /** Values a length field is worth trying: around the limits the decoders check. */
    static final long[] EDGE_LENGTHS = {0, 1, 2, 5, 7, 8, 9, 63, 64, 65, 1023, 1024, 1025, 0xFFFF, 0x10000,
            0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFEL, 0xFFFF_FFFFL};
    static final int[] EDGE_BYTES = {0x00, 0x01, 0x0A, 0x0D, 0x7F, 0x80, 0xFE, 0xFF};

    private WireGen() {
    }

    /** Short Unicode text, supplementary planes included, no lone surrogate. */
    static String text(Source src) {
        StringBuilder sb = new StringBuilder();
        for (int cp : src.list(0, 24, 6, s -> switch (s.weighted(6, 2, 1)) {
            case 0 -> s.intBetween(0x20, 0x7E);
            case 1 -> s.intBetween(0, 0xD7FF);
            default -> s.intBetween(0xE000, 0x10FFFF);
        })) {
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    static long u32(Source src) {
        return src.weighted(3, 1) == 0 ? src.longBetween(0, U32_MAX) : src.pick(0L, 1L, U32_MAX - 1, U32_MAX);
    }

    static int u16(Source src) {
        return src.edgyInt(0, 0xFFFF);
    }

    static long anyLong(Source src) {
        return src.weighted(3, 1) == 0 ? src.anyLong() : src.pick(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE);
    }

    static long receivedSeq(Source src) {
        return src.bool() ? Frame.Hello.NOT_SEQUENCED : src.longBetween(0, Long.MAX_VALUE);
    }

    /** A valid frame of any of the nine types. */
    static Frame frame(Source src) {
        return switch (src.intBetween(0, 8)) {
            case 0 -> new Frame.Data(src.bytes(300));
            case 1 -> new Frame.Ping(anyLong(src));
            case 2 -> new Frame.Pong(anyLong(src), src.bool(), text(src));
            case 3 -> new Frame.Close(u16(src), text(src));
            case 4 -> new Frame.Notice(u16(src), u32(src), text(src));
            case 5 -> new Frame.SeqData(src.longBetween(1, Long.MAX_VALUE), src.bytes(300));
            case 6 -> new Frame.Ack(src.longBetween(0, Long.MAX_VALUE));
            case 7 -> new Frame.Hello(text(src), u32(src), src.bytes(40), receivedSeq(src));
            default -> { // a token (16 bytes) and "resumed" only on a sequenced session, as a valid WELCOME has them
                long seq = receivedSeq(src);
                boolean sequenced = seq >= 0;
                yield new Frame.Welcome(anyLong(src), u32(src), u32(src), u32(src), u32(src), u32(src), text(src),
                        sequenced && src.bool() ? src.bytes(16, 16) : null, sequenced && src.bool(), seq);
            }
        };
    }

    static List<Frame> frames(Source src, int min, int max) {
        return src.list(min, max, 3, WireGen::frame);
    }

    static byte[] encode(List<? extends Frame> frames) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (Frame f : frames) {
                FrameCodec.encode(f, b);
            }
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** One random edit of {@code in}: a bit flip, a byte replaced, a cut, an insertion, a deletion, a length field set to an edge value. */
    static byte[] mutate(Source src, byte[] in) {
        int n = in.length;
        int at = n == 0 ? 0 : src.intBetween(0, n - 1);
        byte[] out = in.clone();
        switch (src.intBetween(0, 7)) {
            case 0 -> { // flip one bit
                if (n > 0) {
                    out[at] ^= (byte) (1 << src.intBetween(0, 7));
                }
            }
            case 1 -> { // replace one byte
                if (n > 0) {
                    out[at] = (byte) src.intBetween(0, 255);
                }
            }
            case 2 -> { // replace one byte with an edge value
                if (n > 0) {
                    out[at] = (byte) EDGE_BYTES[src.intBetween(0, EDGE_BYTES.length - 1)];
                }
            }
            case 3 -> out = Arrays.copyOf(in, at); // truncate
            case 4 -> { // insert a few bytes
                byte[] ins = src.bytes(1, 4);
                out = new byte[n + ins.length];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, ins.length);
                System.arraycopy(in, at, out, at + ins.length, n - at);
            }
            case 5 -> { // delete a few bytes
                int len = Math.min(n - at, src.intBetween(1, 8));
                out = new byte[n - len];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + len, out, at, n - at - len);
            }
            case 6 -> { // a u32 (frame length) at `at` gets an edge value
                long v = EDGE_LENGTHS[src.intBetween(0, EDGE_LENGTHS.length - 1)];
                for (int i = 0; i < 4 && at + i < n; i++) {
                    out[at + i] = (byte) (v >>> (24 - 8 * i));
                }
            }
            default -> { // a u16 (TLV length) at `at` gets an edge value
                int v = (int) EDGE_LENGTHS[src.intBetween(0, EDGE_LENGTHS.length - 1)];
                if (n > 0) {
                    out[at] = (byte) (v >>> 8);
                }
                if (at + 1 < n) {
                    out[at + 1] = (byte) v;
                }
            }
        }
        return out;
    }

    /** Valid frames, encoded and then edited one to four times. */
    static byte[] mutatedFrames(Source src) {
        byte[] b = encode(frames(src, 1, 4));
        int edits = src.intBetween(1, 4);
        for (int i = 0; i < edits; i++) {
            b = mutate(src, b);
        }
        return b;
    }

    /** A frame header with any type byte and a length near the interesting limits, then a little payload. */
    static byte[] header(Source src) {
        long len = src.bool() ? EDGE_LENGTHS[src.intBetween(0, EDGE_LENGTHS.length - 1)] : src.longBetween(0, U32_MAX);
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeByte(src.intBetween(0, 255)).writeInt((int) len).writeBytes(src.bytes(40));
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** What a decoder may be fed: noise, edited frames, headers with odd lengths, valid frames. */
    static byte[] wireInput(Source src) {
        return switch (src.weighted(2, 5, 2, 1)) {
            case 0 -> src.bytes(200);
            case 1 -> mutatedFrames(src);
            case 2 -> header(src);
            default -> encode(frames(src, 0, 4));
        };
    }

    /** Payload limits worth trying: none, tiny, the WELCOME minimum, typical, and no limit at all. */
    static int maxPayload(Source src) {
        return src.pick(1 << 20, 0, 1, 8, 9, 64, 1024, Integer.MAX_VALUE);
    }
}
