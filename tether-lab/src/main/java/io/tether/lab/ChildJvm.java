package io.tether.lab;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A JVM started inside a namespace ({@code ip netns exec NS java ...}) whose standard output is
 * one JSON event per line. Keeps every event, and lets the lab wait for one by condition.
 */
final class ChildJvm {
    private final String name;
    private final Process process;
    private final List<Map<String, String>> events = new ArrayList<>();

    private final Path eventLog;

    private ChildJvm(String name, Process process, Path eventLog) {
        this.name = name;
        this.process = process;
        this.eventLog = eventLog;
        Thread t = new Thread(this::pump, "lab-read-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code mainClass} with this JVM's class path inside {@code ns}; stderr goes to {@code log}. */
    static ChildJvm start(LabState state, String ns, String name, String mainClass, List<String> args, Path log) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, javaBinary(),
                // Small, quick-starting JVMs: the box has two cores shared by up to 22 of them.
                "-Xmx96m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dio.netty.leakDetection.level=disabled",
                "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            state.addProcess(p);
            return new ChildJvm(name, p, log.resolveSibling(name + "-events.jsonl"));
        } catch (IOException e) {
            throw new LabException("cannot start " + name + ": " + e.getMessage());
        }
    }

    static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             java.io.Writer w = java.nio.file.Files.newBufferedWriter(eventLog, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                // Kept for the report directory: every event as the child printed it.
                w.write(line);
                w.write('\n');
                w.flush();
                Map<String, String> e = Json.parse(line);
                if (e != null) {
                    synchronized (events) {
                        events.add(e);
                        events.notifyAll();
                    }
                }
            }
        } catch (IOException ignored) {
            // The process ended; waiters time out on their own deadlines.
        }
    }

    /** The first event (past or future) matching {@code p}, waiting until {@code deadlineNanos}; null if none. */
    Map<String, String> await(Predicate<Map<String, String>> p, long deadlineNanos) {
        synchronized (events) {
            while (true) {
                for (Map<String, String> e : events) {
                    if (p.test(e)) {
                        return e;
                    }
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                try {
                    events.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    /** A snapshot of all events so far. */
    List<Map<String, String>> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** Sends one command line to the process's standard input. */
    void tell(String line) {
        try {
            OutputStream o = process.getOutputStream();
            o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
        } catch (IOException e) {
            throw new LabException(name + " did not take command '" + line + "': " + e.getMessage());
        }
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String name() {
        return name;
    }

    void kill() {
        process.destroyForcibly();
    }
}
