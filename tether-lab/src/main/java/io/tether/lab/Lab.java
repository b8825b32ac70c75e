package io.tether.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;

/**
 * Runs the matrix: preflight, sweep of leftovers, the scenarios (several at once, each in its own
 * namespaces), the terminal matrix, the report, and the cleanup check.
 */
public final class Lab {
    /** Exit codes: 0 all cells pass; 1 some cell failed or state was left; 2 the lab cannot run here. */
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int CANNOT_RUN = 2;

    private final LabOptions options;
    private final PrintStream out;

    public Lab(LabOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs everything and returns the exit code. */
    public int run() {
        long started = System.nanoTime();
        List<String> swept = LabState.sweepLeftovers();
        if (!swept.isEmpty()) {
            out.println("removed leftovers of an earlier run: " + String.join(", ", swept));
        }
        LabState state = new LabState();
        List<String> problems = Preflight.problems(options.capture(), state.ns('p', 0));
        if (!problems.isEmpty()) {
            out.println("tether lab cannot run here:");
            for (String p : problems) {
                out.println("  - " + p);
            }
            return CANNOT_RUN;
        }
        Thread hook = new Thread(state::cleanup, "lab-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Timings t = options.timings();
        List<CellResult> results = new ArrayList<>();
        try {
            Files.createDirectories(options.reportDir());
            out.printf("tether lab: %d scenarios x %d settings, %s timings, %d at once; report in %s%n",
                    options.scenarios().size(), options.settings().size(), options.quick() ? "quick" : "full",
                    options.parallel(), options.reportDir().toAbsolutePath());
            // Waves of --parallel scenarios. Within a wave every scenario boots its JVMs, then all
            // inject their faults together once the last one is ready: no JVM is starting (the
            // costly part on 2 cores) while any wave member is being timed.
            ExecutorService pool = Executors.newFixedThreadPool(options.parallel());
            List<Scenario> all = options.scenarios();
            for (int from = 0; from < all.size(); from += options.parallel()) {
                List<Scenario> wave = all.subList(from, Math.min(all.size(), from + options.parallel()));
                Phaser ready = new Phaser(wave.size());
                List<Future<List<CellResult>>> futures = new ArrayList<>();
                for (Scenario s : wave) {
                    ScenarioRun run = new ScenarioRun(state, s, options.settings(), t, options.reportDir(), options.capture(), ready);
                    futures.add(pool.submit(() -> {
                        List<CellResult> r = run.run();
                        long failed = r.stream().filter(c -> !c.pass()).count();
                        synchronized (out) {
                            out.printf("  scenario %2d %-32s done: %d/%d cells pass%n", s.number(), s.title(), r.size() - failed, r.size());
                        }
                        return r;
                    }));
                }
                for (Future<List<CellResult>> f : futures) {
                    results.addAll(f.get());
                }
            }
            pool.shutdown();
        } catch (IOException e) {
            out.println("cannot write the report directory: " + e.getMessage());
            return FAILED;
        } catch (Exception e) {
            out.println("lab aborted: " + e);
            return FAILED;
        } finally {
            state.cleanup();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // Already shutting down: the hook runs anyway, and cleanup is idempotent.
            }
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        List<String> left = state.leftovers();
        Matrix.print(out, results, options.settings(), t);
        boolean allPass = results.stream().allMatch(CellResult::pass);
        out.printf("%d cells: %d pass, %d fail; %.1f s%n", results.size(), results.stream().filter(CellResult::pass).count(),
                results.stream().filter(c -> !c.pass()).count(), elapsedMs / 1000.0);
        out.println(left.isEmpty() ? "cleanup: no lab namespaces (so no veths or iptables rules) left"
                : "cleanup FAILED, left: " + left);
        if (options.capture()) {
            Capture.decode(options.reportDir(), out);
        }
        try {
            Report.write(options, results, t, elapsedMs, left);
            out.println("report: " + options.reportDir().resolve("report.md").toAbsolutePath());
        } catch (IOException e) {
            out.println("cannot write the report: " + e.getMessage());
            return FAILED;
        }
        return allPass && left.isEmpty() ? OK : FAILED;
    }
}
