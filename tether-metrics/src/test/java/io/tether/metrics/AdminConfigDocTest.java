package io.tether.metrics;

import io.tether.testkit.GeneratedDocs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/CONFIG.md lists every admin key from AdminConfig.KEY_DOCS; -Dtether.writeDocs=true rewrites it. */
class AdminConfigDocTest {

    @Test
    void configDocListsEveryAdminKey() throws Exception {
        StringBuilder table = new StringBuilder("| key | flag | meaning |\n|---|---|---|\n");
        for (Map.Entry<String, String> e : AdminConfig.KEY_DOCS.entrySet()) {
            table.append("| `").append(e.getKey()).append("` | `--").append(e.getKey().replace('_', '-')).append("` | ")
                    .append(e.getValue().replace("|", "\\|")).append(" |\n");
        }
        GeneratedDocs.check(Path.of("..", "docs", "CONFIG.md"), "<!-- admin-keys:begin (generated from AdminConfig.KEY_DOCS) -->",
                "<!-- admin-keys:end -->", table.toString());
    }
}
