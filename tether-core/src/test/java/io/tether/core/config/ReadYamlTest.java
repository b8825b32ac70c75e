package io.tether.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadYamlTest {
    @Test
    void aMissingFileIsSaidToBeMissing(@TempDir Path dir) {
        // Was "cannot read config file X: X": the exception's message is just the path.
        Path missing = dir.resolve("tether.yaml");
        assertThatThrownBy(() -> Settings.readYaml(missing)).isInstanceOf(ConfigException.class)
                .hasMessage("config file " + missing + " not found");
        assertThatThrownBy(() -> Settings.readYaml(dir)).hasMessage("config file " + dir + " is a directory");
    }

    @Test
    void nestedMapsAreDottedKeys(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("t.yaml"), "port: 0\nhealth:\n  redis:\n    uri: redis://h:1\n");
        assertThat(Settings.readYaml(file)).containsEntry("port", 0).containsEntry("health.redis.uri", "redis://h:1");
    }
}
