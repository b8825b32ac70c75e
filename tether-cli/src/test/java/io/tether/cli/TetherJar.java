package io.tether.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs the built {@code target/tether.jar} with the test's own java, for the CLI's process tests. */
final class TetherJar {
    private TetherJar() {
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                Path.of("target", "tether.jar").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
