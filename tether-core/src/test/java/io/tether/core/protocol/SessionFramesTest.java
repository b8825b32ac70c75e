package io.tether.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** The sessions additions to the frame protocol, byte for byte as docs/PROTOCOL.md shows them. */
class SessionFramesTest {
    private static final byte[] TOKEN = ByteBufUtil.decodeHexDump("000102030405060708090a0b0c0d0e0f");
    private static final byte[] NEW_TOKEN = ByteBufUtil.decodeHexDump("101112131415161718191a1b1c1d1e1f");

    private static String hex(Frame f) {
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encode(f, b);
        return ByteBufUtil.hexDump(b);
    }

    private static Frame decode(String hex) {
        return FrameCodec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex)), 1 << 20);
    }

    @Test
    void seqDataAndAckLayouts() {
        assertThat(hex(Frame.SeqData.of(1, "hi"))).isEqualTo("080000000a" + "0000000000000001" + "6869");
        assertThat(hex(new Frame.Ack(1))).isEqualTo("0900000008" + "0000000000000001");
        assertThat(decode("080000000a00000000000000016869")).isEqualTo(Frame.SeqData.of(1, "hi"));
        assertThat(decode("09000000080000000000000001")).isEqualTo(new Frame.Ack(1));
        assertThat(decode("0800000008" + "0000000000000007")).isEqualTo(new Frame.SeqData(7, new byte[0]));
    }

    @Test
    void resumingHelloAndResumedWelcome() {
        Frame.Hello hello = new Frame.Hello("demo", 5000, TOKEN, 2);
        String helloHex = "010000002c"
                + "01000464656d6f"
                + "02000400001388"
                + "030010" + "000102030405060708090a0b0c0d0e0f"
                + "0400080000000000000002";
        assertThat(hex(hello)).isEqualTo(helloHex);
        assertThat(decode(helloHex)).isEqualTo(hello);
        assertThat(((Frame.Hello) decode(helloHex)).sequenced()).isTrue();

        Frame.Welcome w = new Frame.Welcome(8, 10_000, 0, 10_000, 500, 2_097_152, "tether", NEW_TOKEN, true, 3);
        String welcomeHex = "0200000059"
                + "0100080000000000000008"
                + "02000400002710"
                + "03000400000000"
                + "04000400002710"
                + "050004000001f4"
                + "06000400200000"
                + "070006746574686572"
                + "080010" + "101112131415161718191a1b1c1d1e1f"
                + "09000101"
                + "0a00080000000000000003";
        assertThat(hex(w)).isEqualTo(welcomeHex);
        assertThat(decode(welcomeHex)).isEqualTo(w);
    }

    @Test
    void aNewSequencedSessionSaysReceivedSeqZero() {
        assertThat(hex(new Frame.Hello("", 0, null, 0))).endsWith("0400080000000000000000");
        assertThat(new Frame.Hello("", 0, null, 0).sequenced()).isTrue();
    }

    @Test
    void clientsWithoutSessionsLookAsBefore() {
        Frame.Hello plain = new Frame.Hello("demo", 5000);
        assertThat(plain.sequenced()).isFalse();
        assertThat(hex(plain)).isEqualTo("010000000e" + "010004" + "64656d6f" + "020004" + "00001388");
        Frame.Welcome w = new Frame.Welcome(7, 10_000, 0, 10_000, 500, 2_097_152, "tether", null, false);
        assertThat(w.sequenced()).isFalse();
        assertThat(hex(w)).startsWith("0200000037");
        assertThat(((Frame.Welcome) decode(hex(w))).receivedSeq()).isEqualTo(Frame.Hello.NOT_SEQUENCED);
    }

    @Test
    void malformedSessionFramesAreProtocolErrors() {
        assertThatThrownBy(() -> decode("0800000007" + "00000000000000")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("SEQ_DATA payload must be at least 8 bytes");
        assertThatThrownBy(() -> decode("0800000008" + "0000000000000000")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> decode("0900000009" + "000000000000000100")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("ACK payload must be 8 bytes");
        assertThatThrownBy(() -> decode("0100000007" + "04000400000001")).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("received seq");
        assertThatThrownBy(() -> decode("0900000008" + "ffffffffffffffff")).isInstanceOf(ProtocolException.class);
    }
}
