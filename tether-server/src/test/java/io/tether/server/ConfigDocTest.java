package io.tether.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.core.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIG.md lists every key with its default and meaning, from the same registry the
 * server and the CLI use, so the doc cannot drift. Run with -Dtether.writeDocs=true to rewrite it.
 */
class ConfigDocTest {
    private static final String BEGIN = "<!-- server-keys:begin (generated from ServerConfig.SETTINGS) -->";
    private static final String END = "<!-- server-keys:end -->";

    static String table() {
        StringBuilder b = new StringBuilder("| key | flag | default | meaning |\n|---|---|---|---|\n");
        for (Setting<ServerConfig.Builder> s : ServerConfig.SETTINGS.all()) {
            b.append("| `").append(s.key()).append("` | `").append(s.flag()).append("` | ")
                    .append(s.defaultText()).append(" | ").append(s.description().replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    @Test
    void configDocListsEveryKey() throws Exception {
        Path doc = Path.of("..", "docs", "CONFIG.md");
        String text = Files.readString(doc);
        int a = text.indexOf(BEGIN);
        int z = text.indexOf(END);
        assertThat(a).as("docs/CONFIG.md has the generated-table markers").isNotNegative();
        String expected = text.substring(0, a + BEGIN.length()) + "\n" + table() + text.substring(z);
        if (!expected.equals(text) && Boolean.getBoolean("tether.writeDocs")) {
            Files.writeString(doc, expected);
            text = expected;
        }
        assertThat(text).as("docs/CONFIG.md is out of date; run the tests with -Dtether.writeDocs=true").isEqualTo(expected);
    }
}
