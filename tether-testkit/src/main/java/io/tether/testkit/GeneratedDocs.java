package io.tether.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/**
 * A doc section generated from code (a key table between two marker comments) that a test keeps
 * current: it fails, naming how to fix it, when the text between the markers is not what the code
 * says; run with {@code -Dtether.writeDocs=true}, it rewrites the section instead.
 */
public final class GeneratedDocs {
    private GeneratedDocs() {
    }

    /**
     * Checks that {@code doc} holds exactly {@code generated} between the line {@code begin} and the
     * marker {@code end}.
     */
    public static void check(Path doc, String begin, String end, String generated) throws IOException {
        String text = Files.readString(doc);
        int a = text.indexOf(begin);
        int z = text.indexOf(end);
        Assertions.assertTrue(a >= 0 && z > a, () -> doc + " lacks the markers " + begin + " ... " + end);
        String expected = text.substring(0, a + begin.length()) + "\n" + generated + text.substring(z);
        if (!expected.equals(text) && Boolean.getBoolean("tether.writeDocs")) {
            Files.writeString(doc, expected);
            text = expected;
        }
        Assertions.assertEquals(expected, text, doc + " is out of date; run the tests with -Dtether.writeDocs=true");
    }
}
