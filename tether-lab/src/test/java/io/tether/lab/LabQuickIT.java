package io.tether.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.tether.testkit.Requirements;
import io.tether.testkit.Requires;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The quick matrix as CI runs it ({@code tether lab --quick}), plus proof that an interrupted run
 * and a killed run leave no namespaces. Needs root and the lab's tools: with CI=true a machine
 * that cannot create namespaces FAILS this test (the lab is part of the proof of correctness);
 * elsewhere it is skipped with the reason.
 */
@Requires(root = true, netns = true, binaries = {"ip", "iptables", "socat", "ss", "tcpdump"})
class LabQuickIT {

    @BeforeAll
    static void needLab() {
        // The lab's own preflight (the CLI runs the same) also covers what @Requires cannot say:
        // that iptables works inside a namespace.
        List<String> problems = Preflight.problems(true, "tlab" + ProcessHandle.current().pid() + "-p9");
        Requirements.require(problems.isEmpty(), "the fault lab cannot run here: " + String.join("; ", problems));
    }

    @Test
    void quickMatrixPassesAndLeavesNothing() throws Exception {
        Path report = Path.of("target", "lab-report");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new TeeStream(buf, System.out), true, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        int code = new Lab(LabOptions.parse("--quick", "--capture", "--report", report.toString()), out).run();
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        String text = buf.toString(StandardCharsets.UTF_8);
        assertThat(code).as("lab exit code; output:\n" + text).isEqualTo(Lab.OK);
        assertThat(seconds).as("--quick runtime").isLessThan(180);
        assertThat(text).contains("66 cells: 66 pass, 0 fail");
        assertThat(Files.readString(report.resolve("report.md"))).contains("| 11 ICMP host unreachable |");
        assertThat(Files.exists(report.resolve("keepalive.pcap"))).isTrue();
        assertThat(mine(ProcessHandle.current().pid())).isEmpty();
    }

    @Test
    void interruptedRunCleansUpAndKilledRunIsSweptByTheNext() throws Exception {
        // SIGTERM (as Ctrl-C would): the shutdown hook removes the run's namespaces.
        Process p = startLab();
        long pid = p.pid();
        awaitNamespaces(pid);
        p.destroy();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mine(pid)).as("namespaces after SIGTERM").isEmpty();

        // SIGKILL: nothing runs in the lab; the next run's startup sweep removes the leftovers.
        Process k = startLab();
        long kpid = k.pid();
        awaitNamespaces(kpid);
        k.descendants().forEach(ProcessHandle::destroyForcibly);
        k.destroyForcibly();
        assertThat(k.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mine(kpid)).as("a killed run leaves namespaces behind").isNotEmpty();
        List<String> swept = LabState.sweepLeftovers();
        assertThat(swept).isNotEmpty();
        assertThat(mine(kpid)).as("namespaces after the sweep").isEmpty();
    }

    private static Process startLab() throws Exception {
        return new ProcessBuilder(ChildJvm.javaBinary(), "-cp", System.getProperty("java.class.path"), LabMain.class.getName(),
                "--quick", "--scenarios", "3,10", "--report", Path.of("target", "lab-interrupted").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitNamespaces(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // Wait until the proxy scenario's middle namespace exists: the run is mid-way then.
        while (mine(pid).size() < 3) {
            if (System.nanoTime() > deadline) {
                fail("the lab run " + pid + " created no namespaces within 30 s");
            }
            Thread.sleep(50);
        }
    }

    private static List<String> mine(long pid) {
        List<String> out = new ArrayList<>();
        for (String n : LabState.existingLabNamespaces()) {
            if (n.startsWith("tlab" + pid + "-")) {
                out.add(n);
            }
        }
        return out;
    }

    /** Writes to two streams: the test keeps the text, the build log shows the matrix. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
