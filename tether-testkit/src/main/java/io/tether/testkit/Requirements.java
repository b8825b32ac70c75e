package io.tether.testkit;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for "this test needs something from the machine": outside CI a missing
 * requirement <b>skips</b> the test (JUnit's {@code TestAbortedException}) with a message naming
 * what is missing and how to get it; under CI (see {@link #ci()}) it <b>fails</b> the test
 * ({@code AssertionFailedError}) with the same message, because a skipped test proves nothing
 * there and CI is expected to provide everything ({@code .ci/run} installs missing packages).
 *
 * <p>For fixtures and code paths that cannot carry an annotation; tests can declare the same
 * with {@link Requires}.
 *
 * <pre>{@code
 * Path redis = Requirements.binary("redis-server");
 * }</pre>
 */
public final class Requirements {

    /**
     * System property that overrides the {@code CI} environment variable ({@code true} or
     * {@code false}, any letter case), so the rule's two branches can be exercised from one JVM.
     */
    public static final String CI_PROPERTY = "tether.ci";

    /** Searched after {@code PATH}: Debian keeps daemons such as mariadbd there, off a user's PATH. */
    private static final List<Path> SBIN = List.of(Path.of("/usr/sbin"), Path.of("/sbin"));

    /** Debian packages for the binaries the project's tests use, for the "how to get it" hint. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("redis-server", "redis-server"),
            Map.entry("mariadbd", "mariadb-server"),
            Map.entry("mariadb-install-db", "mariadb-server"),
            Map.entry("ip", "iproute2"),
            Map.entry("ss", "iproute2"),
            Map.entry("iptables", "iptables"),
            Map.entry("socat", "socat"),
            Map.entry("tcpdump", "tcpdump"),
            Map.entry("nc", "netcat-openbsd"),
            Map.entry("chromium", "chromium"),
            Map.entry("chromedriver", "chromium-driver"));

    /** Probed once per JVM: each probe creates a real namespace, and the answer holds for the run. */
    private static Optional<String> netnsProblem;

    private Requirements() {
    }

    /**
     * Whether the rule is in CI mode (missing means fail): the {@value #CI_PROPERTY} system
     * property if set, otherwise the environment variable {@code CI}; {@code true} in any letter
     * case means yes.
     */
    public static boolean ci() {
        String property = System.getProperty(CI_PROPERTY);
        String value = property != null ? property : System.getenv("CI");
        return value != null && "true".equalsIgnoreCase(value.trim());
    }

    /**
     * Requires an executable and returns where it is: the first match on {@code PATH}, then
     * {@code /usr/sbin}, then {@code /sbin}. A name containing {@code /} is taken as a path.
     *
     * @return the executable's path
     * @throws org.opentest4j.TestAbortedException if missing, outside CI
     * @throws org.opentest4j.AssertionFailedError if missing, under CI
     */
    public static Path binary(String name) {
        Optional<Path> found = find(name, searchDirs(System.getenv("PATH")));
        if (found.isEmpty()) {
            unmet(List.of(notFound(name)));
        }
        return found.orElseThrow();
    }

    /**
     * Requires the effective uid to be 0.
     *
     * @throws org.opentest4j.TestAbortedException if not root, outside CI
     * @throws org.opentest4j.AssertionFailedError if not root, under CI
     */
    public static void root() {
        whyNotRoot().ifPresent(problem -> unmet(List.of(problem)));
    }

    /**
     * Requires that network namespaces can be created: {@code ip netns add} of a uniquely named
     * namespace (deleted right after) must succeed. Probed once per JVM.
     *
     * @throws org.opentest4j.TestAbortedException if it cannot, outside CI
     * @throws org.opentest4j.AssertionFailedError if it cannot, under CI
     */
    public static void netns() {
        whyNoNetns().ifPresent(problem -> unmet(List.of(problem)));
    }

    /**
     * Requires Netty's native epoll transport ({@code io.netty.channel.epoll.Epoll.isAvailable()}),
     * looked up through the context class loader.
     *
     * @throws org.opentest4j.TestAbortedException if unavailable, outside CI
     * @throws org.opentest4j.AssertionFailedError if unavailable, under CI
     */
    public static void nativeEpoll() {
        whyNoNativeEpoll(contextLoader()).ifPresent(problem -> unmet(List.of(problem)));
    }

    /**
     * Applies the rule to a condition only the caller can check (for example "iptables works
     * inside a namespace").
     *
     * @param met whether the requirement is met
     * @param missing what is missing and how to get it, e.g. {@code "iptables -L fails: run as root"}
     * @throws org.opentest4j.TestAbortedException if not met, outside CI
     * @throws org.opentest4j.AssertionFailedError if not met, under CI
     */
    public static void require(boolean met, String missing) {
        if (!met) {
            unmet(List.of(missing));
        }
    }

    /** Checks everything one annotation asks for, so the message names all that is missing. */
    static void check(Requires requires, ClassLoader loader) {
        List<String> problems = new ArrayList<>();
        if (requires.root()) {
            whyNotRoot().ifPresent(problems::add);
        }
        for (String name : requires.binaries()) {
            if (find(name, searchDirs(System.getenv("PATH"))).isEmpty()) {
                problems.add(notFound(name));
            }
        }
        if (requires.netns()) {
            whyNoNetns().ifPresent(problems::add);
        }
        if (requires.nativeEpoll()) {
            whyNoNativeEpoll(loader).ifPresent(problems::add);
        }
        if (!problems.isEmpty()) {
            unmet(problems);
        }
    }

    private static void unmet(List<String> problems) {
        String what = String.join("; ", problems);
        if (ci()) {
            Assertions.fail(what + " [CI=true, so this fails instead of skipping: a skipped test proves nothing"
                    + " in CI; CI must provide it (.ci/run installs missing packages)]");
        }
        Assumptions.abort(what + " [skipped; with CI=true this would fail]");
    }

    static List<Path> searchDirs(String pathEnv) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (pathEnv != null) {
            for (String dir : pathEnv.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(Path.of(dir));
                }
            }
        }
        dirs.addAll(SBIN);
        return List.copyOf(dirs);
    }

    static Optional<Path> find(String name, List<Path> dirs) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return executable(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path dir : dirs) {
            Path p = dir.resolve(name);
            if (executable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static boolean executable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }

    private static String notFound(String name) {
        String where = name.contains("/") ? "not an executable file" : "not found on PATH, /usr/sbin or /sbin";
        String base = name.substring(name.lastIndexOf('/') + 1);
        String pkg = PACKAGES.get(base);
        String how = pkg != null ? "apt-get install " + pkg : "install the package that provides it";
        return name + " " + where + ": " + how;
    }

    private static Optional<String> whyNotRoot() {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc/self/status"));
        } catch (IOException e) {
            return Optional.of("root required, and this cannot be checked here (no /proc/self/status: not Linux?)");
        }
        OptionalLong uid = effectiveUid(status);
        if (uid.isPresent() && uid.getAsLong() == 0) {
            return Optional.empty();
        }
        return Optional.of("not root (effective uid " + (uid.isPresent() ? uid.getAsLong() : "unknown")
                + "): run the tests as root, e.g. with sudo");
    }

    /** The effective uid from the {@code Uid:} line of {@code /proc/<pid>/status} (real, effective, saved, fs). */
    static OptionalLong effectiveUid(List<String> procStatus) {
        for (String line : procStatus) {
            if (line.startsWith("Uid:")) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 2) {
                    try {
                        return OptionalLong.of(Long.parseLong(fields[2]));
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    private static synchronized Optional<String> whyNoNetns() {
        if (netnsProblem == null) {
            netnsProblem = probeNetns();
        }
        return netnsProblem;
    }

    private static Optional<String> probeNetns() {
        String cannot = "cannot create a network namespace";
        Optional<Path> ip = find("ip", searchDirs(System.getenv("PATH")));
        if (ip.isEmpty()) {
            return Optional.of(cannot + ": " + notFound("ip"));
        }
        // The time suffix avoids a namespace left by a killed JVM that had the same pid; the "ttk"
        // prefix keeps clear of the lab's tlab<pid>- names, which the lab sweeps as its own.
        String name = "ttk" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime());
        String added = run(ip.get().toString(), "netns", "add", name);
        if (added != null) {
            return Optional.of(cannot + " (`ip netns add` failed: " + added
                    + "): needs root, and in a container the right to create namespaces (e.g. docker run --privileged)");
        }
        run(ip.get().toString(), "netns", "del", name);
        return Optional.empty();
    }

    /** Runs a command; null on success, otherwise why it failed (its output). */
    private static String run(String... command) {
        Path log = null;
        try {
            // Output to a file, not a pipe: reading a pipe would block past the timeout on a hung command.
            log = Files.createTempFile("tether-testkit-", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "timed out after 20 s";
            }
            if (p.exitValue() == 0) {
                return null;
            }
            String text = Files.readString(log, StandardCharsets.UTF_8).trim();
            return "exit " + p.exitValue() + (text.isEmpty() ? "" : ", " + text);
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a leftover temp file is not worth failing a requirement check over
                }
            }
        }
    }

    static Optional<String> whyNoNativeEpoll(ClassLoader loader) {
        String how = "needs Linux and io.netty:netty-transport-native-epoll with this platform's classifier"
                + " (e.g. linux-x86_64) on the test classpath";
        Class<?> epoll;
        try {
            // By name: this module must not depend on Netty (tether-core's tests use it).
            epoll = Class.forName("io.netty.channel.epoll.Epoll", true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.of("native epoll unavailable (no io.netty.channel.epoll.Epoll class: " + e + "): " + how);
        }
        try {
            if ((Boolean) epoll.getMethod("isAvailable").invoke(null)) {
                return Optional.empty();
            }
            Object cause = epoll.getMethod("unavailabilityCause").invoke(null);
            return Optional.of("native epoll unavailable (" + cause + "): " + how);
        } catch (ReflectiveOperationException e) {
            Throwable why = e instanceof InvocationTargetException ? e.getCause() : e;
            return Optional.of("native epoll unavailable (" + why + "): " + how);
        }
    }

    private static ClassLoader contextLoader() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loader != null ? loader : Requirements.class.getClassLoader();
    }
}
