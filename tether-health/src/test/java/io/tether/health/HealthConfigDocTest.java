package io.tether.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md lists every health key from HealthChecks.KEY_DOCS; -Dtether.writeDocs=true rewrites it. */
class HealthConfigDocTest {
    private static final String BEGIN = "<!-- health-keys:begin (generated from HealthChecks.KEY_DOCS) -->";
    private static final String END = "<!-- health-keys:end -->";

    @Test
    void configDocListsEveryHealthKey() throws Exception {
        StringBuilder table = new StringBuilder("| key | meaning |\n|---|---|\n");
        for (Map.Entry<String, String> e : HealthChecks.KEY_DOCS.entrySet()) {
            table.append("| `").append(e.getKey()).append("` | ").append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        Path doc = Path.of("..", "docs", "CONFIG.md");
        String text = Files.readString(doc);
        int a = text.indexOf(BEGIN);
        int z = text.indexOf(END);
        assertThat(a).as("docs/CONFIG.md has the health-keys markers").isNotNegative();
        String expected = text.substring(0, a + BEGIN.length()) + "\n" + table + text.substring(z);
        if (!expected.equals(text) && Boolean.getBoolean("tether.writeDocs")) {
            Files.writeString(doc, expected);
            text = expected;
        }
        assertThat(text).as("docs/CONFIG.md is out of date; run the tests with -Dtether.writeDocs=true").isEqualTo(expected);
    }
}
