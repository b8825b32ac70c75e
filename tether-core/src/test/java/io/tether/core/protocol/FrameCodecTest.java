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
                new Frame.Welcome(Long.MAX_VALUE, 1, 2, 3, 4, 5, "s", new byte[16], true),
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
        assertThat(absent.resumeTokenProblem()).isNull();
        assertThat(empty.hasResumeToken()).isTrue();
        assertThat(empty.resumeToken()).isEmpty();
        assertThat(empty.resumeTokenProblem()).isEqualTo("empty resume token (HELLO field 3 with no bytes)");
        assertThat(empty).isNotEqualTo(absent);
        assertThat(hex(empty)).isEqualTo("010000000e" + "010001" + "78" + "02000400000064" + "030000");
        assertThat(hex(new Frame.Hello("x", 100, new byte[0]))).as("an empty token is sent as the field")
                .isEqualTo(hex(empty));
        assertThat(new Frame.Hello("x", 0, new byte[5]).resumeTokenProblem()).isEqualTo("resume token of 5 bytes; tokens are 16");
        assertThat(new Frame.Hello("x", 0, new byte[16]).resumeTokenProblem()).isNull();
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
