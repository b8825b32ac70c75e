package io.tether.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCodecTest {

    private static String hex(Frame f) {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        return ByteBufUtil.hexDump(b);
    }

    private static Frame decode(String hex) {
        return FrameCodec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)), 1 << 20);
    }

    /** The worked example of docs/PROTOCOL.md, byte for byte. */
    @Test
    void workedExampleFromProtocolDoc() {
        assertThat(hex(new Frame.Hello("demo", 5000)))
                .isEqualTo("010000000e" + "010004" + "64656d6f" + "020004" + "00001388");
        Frame.Welcome w = new Frame.Welcome(7, 10_000, 0, 10_000, 500, 2_097_152, "tether", null, false);
        assertThat(hex(w)).isEqualTo("0200000037"
                + "0100080000000000000007"
                + "02000400002710"
                + "03000400000000"
                + "04000400002710"
                + "050004000001f4"
                + "06000400200000"
                + "070006746574686572");
        assertThat(hex(new Frame.Ping(1))).isEqualTo("04000000080000000000000001");
        assertThat(hex(new Frame.Pong(1, true, ""))).isEqualTo("0500000009000000000000000100");
        assertThat(hex(Frame.Data.of("hi"))).isEqualTo("03000000026869");
        assertThat(hex(new Frame.Close(1007, "bye"))).isEqualTo("060000000503ef627965");
    }

    @Test
    void everyFrameRoundTrips() {
        List<Frame> frames = List.of(
                new Frame.Hello("c", 1234, new byte[] {1, 2, 3}),
                new Frame.Welcome(Long.MAX_VALUE, 1, 2, 3, 4, 5, "s", new byte[16], true, 9),
                Frame.Data.of("payload"), new Frame.Data(new byte[0]),
                new Frame.Ping(-1), new Frame.Pong(42, false, "redis,mysql"),
                new Frame.Close(1002, "idle timeout"), new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 500, "slow down"));
        ByteBuf b = Unpooled.buffer();
        for (Frame f : frames) {
            FrameCodec.encode(f, b);
        }
        for (Frame f : frames) {
            assertThat(FrameCodec.decode(b, 1 << 20)).isEqualTo(f);
        }
        assertThat(b.isReadable()).isFalse();
    }

    @Test
    void encodedLengthIsExactForEveryKind() {
        List<Frame> frames = List.of(
                new Frame.Hello("c", 1234, new byte[] {1, 2, 3}), new Frame.Hello("", 0),
                new Frame.Hello("ü-client", 5, new byte[16], 7),
                new Frame.Welcome(Long.MAX_VALUE, 1, 2, 3, 4, 5, "s", new byte[16], true),
                new Frame.Welcome(1, 1, 2, 3, 4, 5, "tether", null, false, 3),
                Frame.Data.of("payload"), new Frame.Data(new byte[0]), new Frame.SeqData(9, new byte[100]),
                new Frame.Ack(3), new Frame.Ping(-1), new Frame.Pong(42, false, "redis,mysql ✓"),
                new Frame.Close(1002, "idle timeout"), new Frame.Notice(Frame.Notice.TOO_MANY_PINGS, 500, "slow down"));
        for (Frame f : frames) {
            ByteBuf b = Unpooled.buffer();
            FrameCodec.encode(f, b);
            assertThat(FrameCodec.encodedLength(f)).as("%s", f).isEqualTo(b.readableBytes());
        }
    }

    @Test
    void incompleteFrameConsumesNothing() {
        ByteBuf b = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0300000005686568"));
        assertThat(FrameCodec.decode(b, 100)).isNull();
        assertThat(b.readerIndex()).isZero();
    }

    @Test
    void unknownTlvFieldsAreSkipped() {
        Frame f = decode("0100000011" + "010001" + "78" + "7f0003aabbcc" + "02000400000064");
        assertThat(f).isEqualTo(new Frame.Hello("x", 100));
    }

    @Test
    void helloTellsAnAbsentTokenFromAnEmptyOne() {
        Frame.Hello absent = (Frame.Hello) decode("010000000b" + "010001" + "78" + "02000400000064");
        Frame.Hello empty = (Frame.Hello) decode("010000000e" + "010001" + "78" + "02000400000064" + "030000");
        assertThat(absent.hasResumeToken()).isFalse();
        assertThat(absent.resumeProblem()).isNull();
        assertThat(empty.hasResumeToken()).isTrue();
        assertThat(empty.resumeToken()).isEmpty();
        assertThat(empty.resumeProblem()).isEqualTo("empty resume token (HELLO field 3 with no bytes)");
        assertThat(empty).isNotEqualTo(absent);
        assertThat(hex(empty)).isEqualTo("010000000e" + "010001" + "78" + "02000400000064" + "030000");
        assertThat(hex(new Frame.Hello("x", 100, new byte[0]))).as("an empty token is sent as the field")
                .isEqualTo(hex(empty));
        assertThat(new Frame.Hello("x", 0, new byte[5], 0).resumeProblem()).isEqualTo("resume token of 5 bytes; tokens are 16");
        assertThat(new Frame.Hello("x", 0, new byte[16], 0).resumeProblem()).isNull();
    }

    /** docs/PROTOCOL.md, Sessions: field 3 and field 4 ask together or not at all. */
    @Test
    void aTokenNeedsAReceivedSeqAndAReceivedSeqAboveZeroNeedsAToken() {
        assertThat(new Frame.Hello("x", 0, new byte[16]).resumeProblem())
                .isEqualTo("resume token without HELLO field 4 (received seq): only a sequenced session resumes");
        assertThat(new Frame.Hello("x", 0, null, 3).resumeProblem())
                .isEqualTo("received seq 3 without a resume token (HELLO field 4 is 0 for a new session)");
        assertThat(new Frame.Hello("x", 0, null, 0).resumeProblem()).as("a new sequenced session").isNull();
        assertThat(new Frame.Hello("x", 0).resumeProblem()).as("a plain client").isNull();
        assertThat(new Frame.Hello("x", 0, new byte[16], 7).resumeProblem()).as("a resume").isNull();
    }

    /** docs/PROTOCOL.md, TLV fields: a known tag comes at most once, in HELLO and in WELCOME; unknown ones are skipped however often. */
    @Test
    void aKnownTagTwiceIsAProtocolErrorAnUnknownOneIsSkipped() {
        assertThatThrownBy(() -> decode("0100000008" + "010001" + "61" + "010001" + "62"))
                .isInstanceOf(ProtocolException.class).hasMessage("HELLO field 1 appears twice");
        assertThatThrownBy(() -> decode(welcomeHex("02000400000001")))
                .isInstanceOf(ProtocolException.class).hasMessage("WELCOME field 2 appears twice");
        assertThat(decode("010000000d" + "7f0000" + "7f0000" + "010001" + "78" + "7f0000")).isEqualTo(new Frame.Hello("x", 0));
    }

    /** docs/PROTOCOL.md, TLV fields: a known tag with a value of another length is a protocol error (HELLO's token aside: 1104). */
    @Test
    void aKnownTagOfTheWrongLengthIsAProtocolError() {
        assertThatThrownBy(() -> decode("010000000a" + "04000700000000000000")).hasMessage("HELLO field 4 (received seq) must be 8 bytes, got 7");
        assertThatThrownBy(() -> decode(welcomeHex("08000f" + "00".repeat(15))))
                .hasMessage("WELCOME field 8 (resume token) must be 16 bytes, got 15");
        assertThatThrownBy(() -> decode(welcomeHex("0900020101")))
                .hasMessage("WELCOME field 9 (resumed) must be 1 bytes, got 2");
        assertThatThrownBy(() -> decode(welcomeHex("09000102")))
                .hasMessage("WELCOME field 9 (resumed) must be 0 or 1, got 2");
        assertThat(((Frame.Hello) decode("0100000008" + "030005" + "0102030405")).resumeToken()).as("HELLO: any token length decodes")
                .hasSize(5);
    }

    /** docs/PROTOCOL.md, TLV fields: WELCOME fields 1 to 6 are required; 8 and 9 come only with 10. */
    @Test
    void aWelcomeLackingARequiredFieldOrWithSessionFieldsOutOfPlaceIsAProtocolError() {
        String all = welcomeFields();
        for (int tag = 1; tag <= 6; tag++) {
            String without = all.replaceFirst(String.format("%02x00(04|08)[0-9a-f]+?(?=%02x00|$)", tag, tag + 1), "");
            int tagNo = tag;
            assertThatThrownBy(() -> decode(String.format("02%08x", without.length() / 2) + without))
                    .as("without field %d", tagNo).hasMessageStartingWith("WELCOME lacks field " + tag + " (");
        }
        assertThat(decode(String.format("02%08x", all.length() / 2) + all)).as("field 7 (name) is optional")
                .isEqualTo(new Frame.Welcome(1, 2, 3, 4, 5, 4096, "", null, false));
        assertThatThrownBy(() -> decode(welcomeHex("080010" + "00".repeat(16))))
                .hasMessage("WELCOME field 8 (resume token) without field 10 (received seq): only a sequenced session has one");
        assertThatThrownBy(() -> decode(welcomeHex("09000100")))
                .hasMessage("WELCOME field 9 (resumed) without field 10 (received seq): only a sequenced session has one");
    }

    /** WELCOME fields 1 to 6 (id 1, idle 2, ping 3 / 4, min ping 5, max frame 4096), hex. */
    private static String welcomeFields() {
        return "0100080000000000000001" + "02000400000002" + "03000400000003" + "04000400000004" + "05000400000005"
                + "06000400001000";
    }

    /** A WELCOME frame of the required fields plus {@code extra}, hex. */
    private static String welcomeHex(String extra) {
        String p = welcomeFields() + extra;
        return String.format("02%08x", p.length() / 2) + p;
    }

    /** docs/PROTOCOL.md, Frame sizes: the first frame is a HELLO of at most 4096 bytes, judged from its header. */
    @Test
    void theFirstFrameIsAHelloWithinTheFixedHelloLimit() {
        ByteBuf big = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0100001001"));
        assertThatThrownBy(() -> FrameCodec.decodeHello(big)).isInstanceOf(ProtocolException.class)
                .hasMessage("HELLO of 4097 bytes exceeds the HELLO limit of 4096 bytes");
        assertThatThrownBy(() -> FrameCodec.decodeHello(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0300000002"))))
                .hasMessage("expected HELLO as the first frame, got DATA");
        assertThatThrownBy(() -> FrameCodec.decodeHello(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("4200000000"))))
                .hasMessage("expected HELLO as the first frame, got unknown frame type 0x42");
        ByteBuf max = Unpooled.buffer();
        max.writeByte(1).writeInt(4096).writeByte(1).writeShort(4093).writeBytes("n".repeat(4093).getBytes());
        assertThat(FrameCodec.decodeHello(max).clientName()).hasSize(4093);
        ByteBuf partial = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("01000000"));
        assertThat(FrameCodec.decodeHello(partial)).isNull();
        assertThat(partial.readerIndex()).isZero();
    }

    @Test
    void oversizedFrameIsRefusedFromItsHeaderAlone() {
        ByteBuf header = Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("0300001388"));
        assertThatThrownBy(() -> FrameCodec.decode(header, 1024))
                .isInstanceOf(ProtocolException.class).hasMessage("DATA frame of 5000 bytes exceeds package_max_length 1024");
    }

    @Test
    void malformedFramesNameTheProblem() {
        assertThatThrownBy(() -> decode("4200000000")).hasMessage("unknown frame type 0x42");
        assertThatThrownBy(() -> decode("0400000002abcd")).hasMessage("PING payload must be 8 bytes, got 2");
        assertThatThrownBy(() -> decode("050000000900000000000000010a")).hasMessageContaining("PONG status 10");
        assertThatThrownBy(() -> decode("06000000010a")).hasMessage("CLOSE payload must be at least 2 bytes, got 1");
        assertThatThrownBy(() -> decode("0100000004010009aa")).hasMessageContaining("declares 9 bytes");
        assertThatThrownBy(() -> decode("010000000502000201ff")).hasMessage("HELLO field 2 must be 4 bytes, got 2");
    }
}
