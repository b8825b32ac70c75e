package io.tether.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The C load tool (shared/tools/lineload.c, one epoll thread): compiled once per bench run with
 * gcc, then run as {@code lineload pingpong|hold HOST PORT N SECONDS}, its one JSON line parsed.
 * Throughput, latency and close lateness are measured with it so the figures are the server's, not
 * a Java client's (the Java agents on the same 2 cores cost as much CPU as the server under test).
 *
 * <p>The source is not part of this repository: it lives in the shared folder beside the project,
 * {@code ../shared/tools/lineload.c} from the project root. {@code --lineload-src} or the
 * environment variable {@value #ENV} names another path.
 */
public final class Lineload {
    public static final String ENV = "TETHER_LINELOAD_SRC";
    private final Path binary;

    private Lineload(Path binary) {
        this.binary = binary;
    }

    /** Finds the source (option, then {@value #ENV}, then beside the project) and compiles it into {@code dir}. */
    public static Lineload build(String sourceOption, Path dir) throws IOException, InterruptedException {
        Path src = source(sourceOption, System.getenv(ENV), ProjectRoot.find());
        Path bin = dir.resolve("lineload").toAbsolutePath();
        Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IOException("gcc could not build " + src + " (gcc -O2 -Wall -o " + bin + " " + src + "):\n" + out);
        }
        return new Lineload(bin);
    }

    /** Where lineload.c is; a clear error naming the paths looked at when it is nowhere. */
    static Path source(String option, String env, Path projectRoot) throws IOException {
        List<Path> tried = new ArrayList<>();
        if (option != null && !option.isBlank()) {
            tried.add(Path.of(option));
        } else if (env != null && !env.isBlank()) {
            tried.add(Path.of(env));
        } else if (projectRoot != null) {
            tried.add(projectRoot.resolve("../shared/tools/lineload.c").normalize());
        }
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new IOException("lineload.c not found" + (tried.isEmpty() ? " (no project root above " + System.getProperty("user.dir") + ")"
                : " at " + tried.get(0).toAbsolutePath()) + ". The C load tool is not in this repository: it is "
                + "shared/tools/lineload.c in the shared folder beside the project (../shared/tools/lineload.c from the "
                + "project root). Copy it there, or point --lineload-src or " + ENV + " at it (gcc builds it at the start of the run).");
    }

    /**
     * Runs lineload with {@code args} and returns its JSON figures (nested keys joined with '.').
     * Its progress lines (stderr) are appended to {@code log}.
     */
    public Map<String, Double> run(List<String> args, Path log, long timeoutMs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(args);
        Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Path json = Files.createTempFile(log.getParent(), "lineload", ".json");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectOutput(json.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("lineload " + args + " did not end within " + timeoutMs + " ms");
            }
            String out = Files.readString(json).trim();
            if (p.exitValue() != 0 || !out.startsWith("{")) {
                throw new IOException("lineload " + args + " failed (exit " + p.exitValue() + "): " + out + "; see " + log);
            }
            Files.writeString(log, out + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            return parse(out);
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /** lineload's one-line JSON: numbers only are kept, nested objects flattened to "a.b". */
    static Map<String, Double> parse(String json) {
        Map<String, Double> m = new LinkedHashMap<>();
        List<String> path = new ArrayList<>();
        String key = null;
        int i = 0;
        while (i < json.length()) {
            char c = json.charAt(i);
            if (c == '"') {
                int end = json.indexOf('"', i + 1);
                String s = json.substring(i + 1, end);
                i = end + 1;
                int j = i;
                while (j < json.length() && json.charAt(j) == ' ') {
                    j++;
                }
                if (j < json.length() && json.charAt(j) == ':') {
                    key = s;
                    i = j + 1;
                } else {
                    key = null; // a string value
                }
            } else if (c == '{') {
                if (key != null) {
                    path.add(key);
                    key = null;
                }
                i++;
            } else if (c == '}') {
                if (!path.isEmpty()) {
                    path.remove(path.size() - 1);
                }
                i++;
            } else if (c == '-' || Character.isDigit(c)) {
                int j = i;
                while (j < json.length() && "+-.eE0123456789".indexOf(json.charAt(j)) >= 0) {
                    j++;
                }
                if (key != null) {
                    String full = path.isEmpty() ? key : String.join(".", path) + "." + key;
                    m.put(full, Double.parseDouble(json.substring(i, j)));
                    key = null;
                }
                i = j;
            } else {
                i++;
            }
        }
        return m;
    }

    /** The project's root directory: the first folder at or above the working directory (or this jar) holding mvnw and tether-bench. */
    static final class ProjectRoot {
        private ProjectRoot() {
        }

        static Path find() {
            Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            Path found = above(here);
            if (found == null) {
                try {
                    Path jar = Path.of(Lineload.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                    found = above(jar);
                } catch (Exception ignored) {
                    // no code source: the working directory was the only hint
                }
            }
            return found;
        }

        private static Path above(Path start) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("mvnw")) && Files.isDirectory(p.resolve("tether-bench"))) {
                    return p;
                }
            }
            return null;
        }
    }
}
