package io.tether.bench.load;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An older commit of this project, built once in a temporary directory so its bench servers can
 * be measured in the same run as the current ones (server kind {@code tether@REV} or
 * {@code baseline@REV}). The commit's files come from {@code git archive} (no worktree is added
 * to the repository), then {@code ./mvnw -DskipTests -pl tether-cli -am package} builds its
 * {@code tether.jar}; a second run reuses the jar. Its server speaks the same READY/stats/quit
 * lines as today's (unchanged since the bench landed at 8e228b2).
 */
final class OldBuild {
    private OldBuild() {
    }

    /** The class path (one jar) of {@code rev}'s bench servers, building it first if needed. */
    static String classPath(String rev, PrintStream log) throws IOException, InterruptedException {
        Path root = Lineload.ProjectRoot.find();
        if (root == null) {
            throw new IOException("cannot build " + rev + ": no project root (a folder with mvnw and tether-bench) above "
                    + System.getProperty("user.dir") + "; run the bench from the project's directory");
        }
        String commit = run(List.of("git", "-C", root.toString(), "rev-parse", "--verify", "--short=12", rev + "^{commit}"), root, 30)
                .trim();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "tether-bench-" + commit);
        Path jar = dir.resolve("tether-cli/target/tether.jar");
        if (Files.isRegularFile(jar)) {
            log.println("bench: reusing " + jar + " for " + rev);
            return jar.toString();
        }
        log.println("bench: building " + rev + " (" + commit + ") in " + dir + " (a few minutes)");
        Files.createDirectories(dir);
        run(List.of("sh", "-c", "git -C '" + root + "' archive --format=tar " + commit + " | tar -x -C '" + dir + "'"), root, 120);
        try {
            run(List.of("./mvnw", "-B", "-q", "-o", "-DskipTests", "-pl", "tether-cli", "-am", "package"), dir, 1200);
        } catch (IOException offline) {
            log.println("bench: offline build of " + rev + " failed, trying once online");
            run(List.of("./mvnw", "-B", "-q", "-DskipTests", "-pl", "tether-cli", "-am", "package"), dir, 1800);
        }
        if (!Files.isRegularFile(jar)) {
            throw new IOException("building " + rev + " in " + dir + " made no " + jar);
        }
        return jar.toString();
    }

    private static String run(List<String> cmd, Path dir, long timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not end within " + timeoutSeconds + " s");
        }
        if (p.exitValue() != 0) {
            String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + ") in " + dir + ":\n" + tail);
        }
        return out;
    }
}
