package io.tether.core.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PrintableTest {

    private static String bytes(String s) {
        return Printable.of(s.getBytes(StandardCharsets.UTF_8), 200);
    }

    @Test
    void terminalEscapesAndLineBreaksCannotReachTheLog() {
        assertThat(bytes("\u001b[2J\r")).isEqualTo("\\x1b[2J\\r");
        assertThat(bytes("\u001b]0;owned\u0007")).isEqualTo("\\x1b]0;owned\\x07");
        assertThat(bytes("ok\r09:00:00.000 close 99: fake entry")).isEqualTo("ok\\r09:00:00.000 close 99: fake entry");
        assertThat(bytes("a\nb\tc\u007f\u0085")).isEqualTo("a\\nb\\tc\\x7f\\x85");
        assertThat(bytes("x\u2028y\u202Ez")).isEqualTo("x\\u2028y\\u202ez");
    }

    @Test
    void printableTextIsKeptAndBackslashesAreEscaped() {
        assertThat(bytes("héllo wörld 你好 🎮")).isEqualTo("héllo wörld 你好 🎮");
        assertThat(bytes("C:\\x1b")).as("a literal backslash cannot fake an escape").isEqualTo("C:\\\\x1b");
    }

    @Test
    void invalidUtf8IsShownByteByByte() {
        byte[] b = {'a', (byte) 0xC0, (byte) 0x80, 'b', (byte) 0xE2, (byte) 0x82, 'c', (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
        assertThat(Printable.of(b, 100)).isEqualTo("a\\xc0\\x80b\\xe2\\x82c\\xff\\xed\\xa0\\x80");
    }

    @Test
    void aCutTextSaysHowLongItWas() {
        assertThat(Printable.of("abcdefghij".getBytes(StandardCharsets.UTF_8), 4)).isEqualTo("abcd... (10 bytes)");
        assertThat(Printable.of("abcdefghij", 4)).isEqualTo("abcd... (10 bytes)");
        assertThat(Printable.of("abc", 4)).isEqualTo("abc");
        assertThat(Printable.of("a\ud800b")).isEqualTo("a\\ud800b");
    }

    @Test
    void theOutputNeverHoldsAControlCharacter() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        String out = Printable.of(all, 1000);
        assertThat(out.chars()).noneMatch(c -> c < 0x20 || (c >= 0x7F && c <= 0x9F));
    }
}
