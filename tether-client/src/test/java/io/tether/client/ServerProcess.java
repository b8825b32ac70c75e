package io.tether.client;

import static org.awaitility.Awaitility.await;

import io.tether.testkit.process.Signals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ServerMain} in a separate JVM, with its stdout lines collected. */
final class ServerProcess implements AutoCloseable {
    final Process process;
    final int port;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private ServerProcess(int port, boolean sessions) throws IOException {
        this.port = port;
        String java = ProcessHandle.current().info().command().orElse("java");
        process = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), ServerMain.class.getName(), String.valueOf(port), sessions ? "sessions" : "plain")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process died: no more lines
            }
        }, "server-" + port + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a server on {@code port} and waits (up to 20 s: a cold JVM on a busy 2-core box) until it listens. */
    static ServerProcess start(int port) throws IOException {
        return start(port, false);
    }

    /** {@link #start(int)}, with open_sessions on when {@code sessions}. */
    static ServerProcess start(int port, boolean sessions) throws IOException {
        ServerProcess p = new ServerProcess(port, sessions);
        await("server process on port " + port + " ready").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> p.lines.contains("READY " + port) || !p.process.isAlive());
        if (!p.process.isAlive()) {
            throw new IllegalStateException("server process on port " + port + " exited with " + p.process.exitValue());
        }
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** Messages received so far, without the READY line. */
    List<String> messages() {
        List<String> out = new ArrayList<>(lines);
        out.removeIf(l -> l.startsWith("READY "));
        return out;
    }

    String endpoint() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGSTOP, SIGCONT...: {@code sig} without the dash. */
    void signal(String sig) {
        Signals.send(process.pid(), sig);
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            try {
                signal("CONT"); // a frozen process cannot die until it runs again
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            } catch (RuntimeException e) {
                process.destroyForcibly(); // already gone, or kill(1) failed: SIGKILL without waiting
            }
        }
    }
}
