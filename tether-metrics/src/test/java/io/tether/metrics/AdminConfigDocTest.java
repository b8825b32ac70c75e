package io.tether.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md lists every admin key from AdminConfig.KEY_DOCS; -Dtether.writeDocs=true rewrites it. */
class AdminConfigDocTest {
    private static final String BEGIN = "<!-- admin-keys:begin (generated from AdminConfig.KEY_DOCS) -->";
    private static final String END = "<!-- admin-keys:end -->";

    @Test
    void configDocListsEveryAdminKey() throws Exception {
        StringBuilder table = new StringBuilder("| key | flag | meaning |\n|---|---|---|\n");
        for (Map.Entry<String, String> e : AdminConfig.KEY_DOCS.entrySet()) {
            table.append("| `").append(e.getKey()).append("` | `--").append(e.getKey().replace('_', '-')).append("` | ")
                    .append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        Path doc = Path.of("..", "docs", "CONFIG.md");
        String text = Files.readString(doc);
        int a = text.indexOf(BEGIN);
        int z = text.indexOf(END);
        assertThat(a).as("docs/CONFIG.md has the admin-keys markers").isNotNegative();
        String expected = text.substring(0, a + BEGIN.length()) + "\n" + table + text.substring(z);
        if (!expected.equals(text) && Boolean.getBoolean("tether.writeDocs")) {
            Files.writeString(doc, expected);
            text = expected;
        }
        assertThat(text).as("docs/CONFIG.md is out of date; run the tests with -Dtether.writeDocs=true").isEqualTo(expected);
    }
}
