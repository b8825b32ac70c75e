package io.tether.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM (bench server or client agent) spoken to line by line: commands on its stdin,
 * answers on its stdout. Lines that are not answers (a library's log) are skipped by prefix.
 * stderr goes to a log file.
 */
final class Child implements AutoCloseable {
    private static final String EOF = "\u0000EOF";
    final String name;
    final Process process;
    private final Writer in;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(String name, List<String> jvmOptions, String classPath, String mainClass, List<String> args, Path logDir) throws IOException {
        this.name = name;
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(name + ".err").toFile()));
        process = pb.start();
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            lines.add(EOF);
        }, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    long pid() {
        return process.pid();
    }

    void send(String command) throws IOException {
        in.write(command);
        in.write('\n');
        in.flush();
    }

    /** The next line starting with {@code prefix}, waiting up to {@code timeoutMs}. */
    String await(String prefix, long timeoutMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = end - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException(name + ": no '" + prefix + "' within " + timeoutMs + " ms");
            }
            if (line.equals(EOF)) {
                throw new IOException(name + " exited (code " + process.waitFor() + "); see its .err log");
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    String call(String command, String prefix, long timeoutMs) throws IOException, InterruptedException {
        send(command);
        return await(prefix, timeoutMs);
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            send("quit");
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
