package io.tether.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.tether.core.close.CloseClassifier;
import io.tether.core.close.CloseReason;
import io.tether.testkit.fuzz.Fuzz;
import io.tether.testkit.fuzz.Pieces;
import io.tether.testkit.fuzz.Source;
import io.tether.testkit.netty.TrackingAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the frame protocol's decoding: {@link FrameCodec#decode}, {@link FrameCodec#readPreamble},
 * the HELLO/WELCOME TLV parsers, and {@link FrameDecoder} (the client's pipeline) fed in arbitrary
 * splits. Whatever the bytes, decoding yields frames or a {@link ProtocolException} and nothing
 * else, consumes exactly what it decoded, and leaves no buffer unreleased (checked after each case
 * with a {@link TrackingAllocator}; Netty's own leak reports fail the class through tether-testkit's
 * NettyLeakExtension); valid frames survive any split.
 *
 * <p>Bounded for CI: each property runs a fixed number of cases with a fresh random seed. A failure
 * report names its seed; rerun it with {@code -Dtether.fuzz.seed=<seed>}, or fuzz longer with
 * {@code -Dtether.fuzz.tries=<n>} (see {@link Fuzz}).
 */
@Timeout(120)
class FrameCodecFuzzTest {
    private static final int MAX = 1 << 20;

    // ------------------------------------------------------------------ FrameCodec.decode

    /**
     * Arbitrary bytes against any payload limit: decode returns frames until it returns null
     * (consuming nothing) or throws ProtocolException. A returned frame consumed exactly its
     * header and declared length, never more than the limit, and re-encodes to a frame that
     * decodes to itself.
     */
    @Test
    void decodeYieldsFramesOrProtocolExceptionOnly() {
        record Case(byte[] input, int max) {
        }
        Fuzz.property("FrameCodec.decode on arbitrary bytes", 3000).check(
                src -> new Case(WireGen.wireInput(src), WireGen.maxPayload(src)),
                c -> decodeOnly(c.input, c.max));
    }

    private static void decodeOnly(byte[] input, int max) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf in = alloc.copyOf(input);
        try {
            while (true) {
                int start = in.readerIndex();
                Frame frame;
                try {
                    frame = FrameCodec.decode(in, max);
                } catch (ProtocolException e) {
                    assertThat(e.getMessage()).isNotBlank();
                    break;
                }
                if (frame == null) {
                    assertThat(in.readerIndex()).as("an incomplete frame consumes nothing").isEqualTo(start);
                    assertThat(in.readableBytes() < FrameCodec.HEADER_LENGTH
                            || in.readableBytes() < FrameCodec.HEADER_LENGTH + in.getUnsignedInt(start + 1)).isTrue();
                    break;
                }
                long declared = in.getUnsignedInt(start + 1);
                assertThat(declared).isLessThanOrEqualTo(max);
                assertThat(in.readerIndex() - start).isEqualTo(FrameCodec.HEADER_LENGTH + declared);
                assertThat(frame.type().code()).isEqualTo(in.getUnsignedByte(start));
                assertThat(reencoded(frame)).isEqualTo(frame);
            }
        } finally {
            in.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    private static Frame reencoded(Frame frame) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf b = alloc.buffer();
        try {
            FrameCodec.encode(frame, b);
            Frame again = FrameCodec.decode(b, Integer.MAX_VALUE);
            assertThat(b.isReadable()).isFalse();
            return again;
        } finally {
            b.release();
        }
    }

    // ------------------------------------------------------------------ preamble

    /** readPreamble consumes exactly FF 54 48 52 01 and refuses anything else, consuming nothing. */
    @Test
    void preambleIsExactlyFiveKnownBytes() {
        Fuzz.property("FrameCodec.readPreamble", 1000).check(FrameCodecFuzzTest::preamble, FrameCodecFuzzTest::readPreamble);
    }

    private static void readPreamble(byte[] input) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf in = alloc.copyOf(input);
        try {
            boolean valid = Arrays.equals(Arrays.copyOf(input, 5), FrameCodec.PREAMBLE);
            try {
                FrameCodec.readPreamble(in);
                assertThat(valid).as("accepted " + ByteBufUtil.hexDump(input)).isTrue();
                assertThat(in.readerIndex()).isEqualTo(5);
            } catch (ProtocolException e) {
                assertThat(valid).as("refused " + ByteBufUtil.hexDump(input)).isFalse();
                assertThat(in.readerIndex()).isZero();
            }
        } finally {
            in.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    /** At least 5 bytes (readPreamble's precondition): the preamble edited up to twice, or noise. */
    private static byte[] preamble(Source src) {
        if (src.bool()) {
            return src.bytes(5, 8);
        }
        byte[] b = WireGen.concat(FrameCodec.PREAMBLE, new byte[] {1, 0, 0, 0, 8});
        int edits = src.intBetween(0, 2);
        for (int i = 0; i < edits; i++) {
            b = WireGen.mutate(src, b);
        }
        return b.length >= 5 ? b : Arrays.copyOf(b, 5);
    }

    // ------------------------------------------------------------------ TLV fields

    /** One TLV field as sent: a tag, the length it declares, and the value bytes actually there. */
    record Tlv(int tag, int declared, byte[] value) {
        void writeTo(ByteBuf b) {
            b.writeByte(tag).writeShort(declared).writeBytes(value);
        }
    }

    /** Mostly known tags with values of the sizes they need, sometimes a lying length. */
    private static Tlv tlv(Source src) {
        int tag = src.weighted(8, 1) == 0 ? src.intBetween(0, 11) : src.intBetween(0, 255);
        byte[] v;
        if (src.weighted(3, 1) == 0) {
            int n = src.pick(8, 4, 0, 1, 2, 9, 16);
            v = src.bytes(n, n);
        } else {
            v = src.bytes(20);
        }
        int declared = switch (src.weighted(7, 1, 1, 1)) {
            case 0 -> v.length; // honest
            case 1 -> src.intBetween(0, 0xFFFF);
            case 2 -> Math.max(0, v.length - 1);
            default -> v.length + 1;
        };
        return new Tlv(tag, declared, v);
    }

    /**
     * HELLO and WELCOME payloads built from arbitrary fields (known and unknown tags, honest and
     * lying lengths, values of right and wrong size), possibly cut short: decode answers exactly
     * what docs/PROTOCOL.md says (the {@link #expectedTlvFrame model} below), frame or
     * ProtocolException.
     */
    @Test
    void tlvPayloadsDecodeAsTheProtocolSays() {
        record Case(boolean hello, List<Tlv> fields, int cut) {
        }
        Fuzz.property("HELLO/WELCOME TLV fields", 3000).check(
                src -> {
                    boolean hello = src.bool();
                    List<Tlv> fields = new ArrayList<>();
                    if (!hello && src.bool()) {
                        fields.addAll(requiredWelcomeFields(src)); // so that valid WELCOMEs are tried too
                    }
                    fields.addAll(src.list(0, 8, 3, FrameCodecFuzzTest::tlv));
                    return new Case(hello, fields, src.weighted(3, 1) == 0 ? -1 : src.intBetween(0, 1000));
                },
                c -> decodeTlvs(c.hello, c.fields, c.cut));
    }

    /** WELCOME fields 1 to 6, honest: what every WELCOME must carry. */
    private static List<Tlv> requiredWelcomeFields(Source src) {
        List<Tlv> fields = new ArrayList<>();
        fields.add(new Tlv(1, 8, src.bytes(8, 8)));
        for (int tag = 2; tag <= 6; tag++) {
            fields.add(new Tlv(tag, 4, src.bytes(4, 4)));
        }
        return fields;
    }

    private static void decodeTlvs(boolean hello, List<Tlv> fields, int cut) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf payload = alloc.buffer();
        ByteBuf frame = alloc.buffer();
        try {
            fields.forEach(f -> f.writeTo(payload));
            if (cut >= 0 && payload.readableBytes() > 0) {
                payload.writerIndex(cut % payload.readableBytes());
            }
            byte[] p = ByteBufUtil.getBytes(payload);
            frame.writeByte(hello ? FrameType.HELLO.code() : FrameType.WELCOME.code()).writeInt(p.length).writeBytes(p);
            Object expected = expectedTlvFrame(hello, p);
            Object actual;
            try {
                actual = FrameCodec.decode(frame, MAX);
                assertThat(frame.isReadable()).isFalse();
            } catch (ProtocolException e) {
                actual = ProtocolException.class;
            }
            assertThat(actual).as("payload " + ByteBufUtil.hexDump(p)).isEqualTo(expected);
        } finally {
            payload.release();
            frame.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    /**
     * The TLV rules of docs/PROTOCOL.md, written out independently of FrameCodec: fields are
     * {@code tag:u8 len:u16 value}; a field running past the payload is an error; unknown tags are
     * skipped; a known tag twice is an error; integer fields are u32 (4 bytes) unless stated, ids and
     * sequence numbers u64 (8 bytes, sequence numbers below 2^63); text any length; a HELLO token any
     * length (a misshapen one is a refused resume, not a codec error), and a token field that is
     * present but empty is not the same as none (null); a WELCOME token is 16 bytes and "resumed" one
     * byte, 0 or 1, and both come only with field 10; a WELCOME lacking any of fields 1 to 6 is an
     * error. Returns the frame, or {@code ProtocolException.class}.
     */
    private static Object expectedTlvFrame(boolean hello, byte[] p) {
        String name = "";
        long heartbeat = 0;
        long[] w = new long[6]; // id, idle, ping interval, ping timeout, min ping, max frame
        byte[] token = null;
        boolean resumed = false;
        boolean resumedField = false;
        long seq = Frame.Hello.NOT_SEQUENCED;
        Set<Integer> seen = new HashSet<>();
        int pos = 0;
        while (pos < p.length) {
            int tag = p[pos++] & 0xFF;
            if (p.length - pos < 2) {
                return ProtocolException.class;
            }
            int len = ((p[pos] & 0xFF) << 8) | (p[pos + 1] & 0xFF);
            pos += 2;
            if (p.length - pos < len) {
                return ProtocolException.class;
            }
            byte[] v = Arrays.copyOfRange(p, pos, pos + len);
            pos += len;
            long number = 0;
            for (byte b : v) {
                number = (number << 8) | (b & 0xFF);
            }
            boolean known = tag >= 1 && tag <= (hello ? 4 : 10);
            if (known && !seen.add(tag)) {
                return ProtocolException.class;
            }
            if (hello) {
                switch (tag) {
                    case 1 -> name = new String(v, StandardCharsets.UTF_8);
                    case 2 -> {
                        if (len != 4) {
                            return ProtocolException.class;
                        }
                        heartbeat = number;
                    }
                    case 3 -> token = v;
                    case 4 -> {
                        if (len != 8 || number < 0) {
                            return ProtocolException.class;
                        }
                        seq = number;
                    }
                    default -> { }
                }
            } else {
                switch (tag) {
                    case 1 -> {
                        if (len != 8) {
                            return ProtocolException.class;
                        }
                        w[0] = number;
                    }
                    case 2, 3, 4, 5, 6 -> {
                        if (len != 4) {
                            return ProtocolException.class;
                        }
                        w[tag - 1] = number;
                    }
                    case 7 -> name = new String(v, StandardCharsets.UTF_8);
                    case 8 -> {
                        if (len != 16) {
                            return ProtocolException.class;
                        }
                        token = v;
                    }
                    case 9 -> {
                        if (len != 1 || (v[0] & 0xFF) > 1) {
                            return ProtocolException.class;
                        }
                        resumedField = true;
                        resumed = v[0] == 1;
                    }
                    case 10 -> {
                        if (len != 8 || number < 0) {
                            return ProtocolException.class;
                        }
                        seq = number;
                    }
                    default -> { }
                }
            }
        }
        if (!hello) {
            for (int tag = 1; tag <= 6; tag++) {
                if (!seen.contains(tag)) {
                    return ProtocolException.class;
                }
            }
            if (seq < 0 && (token != null || resumedField)) {
                return ProtocolException.class;
            }
        }
        return hello ? new Frame.Hello(name, heartbeat, token, seq)
                : new Frame.Welcome(w[0], w[1], w[2], w[3], w[4], w[5], name, token, resumed, seq);
    }

    // ------------------------------------------------------------------ round trip

    /** Valid frames, encoded back to back and cut into arbitrary reads, come out of FrameDecoder as they went in. */
    @Test
    void validFramesSurviveAnySplit() {
        record Case(List<Frame> frames, boolean preamble, List<Integer> cuts) {
        }
        Fuzz.property("encode, then FrameDecoder in any split", 1500).check(
                src -> new Case(WireGen.frames(src, 1, 6), src.bool(), Pieces.cuts(src)),
                c -> {
                    byte[] wire = WireGen.encode(c.frames);
                    if (c.preamble) {
                        wire = WireGen.concat(FrameCodec.PREAMBLE, wire);
                    }
                    Decoded d = decodeInPieces(wire, Pieces.split(wire, c.cuts), MAX, c.preamble);
                    assertThat(d.error).isNull();
                    assertThat(d.frames).isEqualTo(c.frames);
                });
    }

    // ------------------------------------------------------------------ FrameDecoder

    /**
     * Arbitrary bytes through FrameDecoder in an EmbeddedChannel, cut into arbitrary reads: the only
     * error out of the pipeline is a ProtocolException (inside Netty's DecoderException), which
     * CloseClassifier names a protocol error; the frames and the error are the same whatever the
     * split, the same as FrameCodec over the whole input; nothing comes out after the error; every
     * buffer (input, cumulation) is released.
     */
    @Test
    void frameDecoderIsSplitInvariantAndOnlyFailsWithProtocolErrors() {
        record Case(byte[] input, boolean preamble, int max, List<Integer> cuts) {
        }
        Fuzz.property("FrameDecoder on arbitrary bytes in any split", 2500).check(
                src -> new Case(WireGen.wireInput(src), src.bool(), WireGen.maxPayload(src), Pieces.cuts(src)),
                c -> splitInvariant(c.input, c.preamble, c.max, c.cuts));
    }

    private static void splitInvariant(byte[] input, boolean preamble, int max, List<Integer> cuts) {
        byte[] wire = preamble ? WireGen.concat(FrameCodec.PREAMBLE, input) : input;
        Decoded whole = decodeWhole(wire, max, preamble);
        Decoded pieces = decodeInPieces(wire, Pieces.split(wire, cuts), max, preamble);
        assertThat(pieces.frames).isEqualTo(whole.frames);
        assertThat(pieces.error == null).isEqualTo(whole.error == null);
        if (pieces.error != null) {
            assertThat(pieces.error).isInstanceOf(DecoderException.class).hasCauseInstanceOf(ProtocolException.class);
            assertThat(CloseClassifier.classify(pieces.error, null, false)).isEqualTo(CloseReason.PROTOCOL_ERROR);
        }
    }

    private record Decoded(List<Frame> frames, Throwable error) {
    }

    /** The reference: FrameCodec over the whole input at once. */
    private static Decoded decodeWhole(byte[] wire, int max, boolean preamble) {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf in = alloc.copyOf(wire);
        List<Frame> frames = new ArrayList<>();
        Throwable error = null;
        try {
            if (preamble && in.readableBytes() >= FrameCodec.PREAMBLE.length) {
                FrameCodec.readPreamble(in);
            }
            Frame f;
            while ((f = FrameCodec.decode(in, max)) != null) {
                frames.add(f);
            }
        } catch (ProtocolException e) {
            error = e;
        } finally {
            in.release();
        }
        assertThat(alloc.unreleased()).isEmpty();
        return new Decoded(frames, error);
    }

    /** FrameDecoder in a channel, one read per piece; reads go on after an error, as they would on a socket. */
    private static Decoded decodeInPieces(byte[] wire, List<byte[]> pieces, int max, boolean preamble) {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new FrameDecoder(max, preamble));
        List<Frame> frames = new ArrayList<>();
        Throwable error = null;
        try {
            for (byte[] piece : pieces) {
                try {
                    ch.writeInbound(alloc.copyOf(piece));
                } catch (RuntimeException e) {
                    if (error != null) {
                        fail("a second error after " + error + ": " + e);
                    }
                    error = e;
                }
                Object o;
                while ((o = ch.readInbound()) != null) {
                    frames.add((Frame) o);
                }
            }
            ch.finish();
            assertThat((Object) ch.readInbound()).as("frames after the error or at the end").isNull();
        } finally {
            ch.finishAndReleaseAll();
        }
        assertThat(alloc.unreleased()).as("unreleased buffers").isEmpty();
        return new Decoded(frames, error);
    }
}
