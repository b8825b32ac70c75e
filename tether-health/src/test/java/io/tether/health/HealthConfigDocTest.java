package io.tether.health;

import io.tether.testkit.GeneratedDocs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md lists every health key from HealthChecks.KEY_DOCS; -Dtether.writeDocs=true rewrites it. */
class HealthConfigDocTest {

    @Test
    void configDocListsEveryHealthKey() throws Exception {
        StringBuilder table = new StringBuilder("| key | meaning |\n|---|---|\n");
        for (Map.Entry<String, String> e : HealthChecks.KEY_DOCS.entrySet()) {
            table.append("| `").append(e.getKey()).append("` | ").append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        GeneratedDocs.check(Path.of("..", "docs", "CONFIG.md"), "<!-- health-keys:begin (generated from HealthChecks.KEY_DOCS) -->",
                "<!-- health-keys:end -->", table.toString());
    }
}
