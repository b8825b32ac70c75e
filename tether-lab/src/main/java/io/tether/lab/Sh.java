package io.tether.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short system commands (ip, iptables, sysctl, ss) and reports failures with their output. */
public final class Sh {
    /** No lab command is expected to take longer; a hung one fails the step instead of the run. */
    static final long TIMEOUT_S = 20;

    private Sh() {
    }

    /** What a finished command returned. */
    public record Result(int code, String out) {
        public boolean ok() {
            return code == 0;
        }
    }

    /** Runs {@code cmd}; never throws for a non-zero exit. */
    public static Result run(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = readAll(p.getInputStream());
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "timed out after " + TIMEOUT_S + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return new Result(127, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }

    public static Result run(String... cmd) {
        return run(Arrays.asList(cmd));
    }

    /** Runs {@code cmd} and throws {@link LabException} with its output when it fails. */
    public static String must(String... cmd) {
        Result r = run(cmd);
        if (!r.ok()) {
            throw new LabException("command failed (" + r.code() + "): " + String.join(" ", cmd) + ": " + r.out());
        }
        return r.out();
    }

    /** {@code ip netns exec NS cmd...} */
    public static String[] inNs(String ns, String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(Arrays.asList(cmd));
        return all.toArray(new String[0]);
    }

    /** True when {@code name} is an executable on PATH (or an absolute path). */
    public static boolean onPath(String name) {
        // Only PATH: the lab runs these by name, so a tool found elsewhere would still fail to start.
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new java.io.File(dir, name).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toByteArray();
    }
}
