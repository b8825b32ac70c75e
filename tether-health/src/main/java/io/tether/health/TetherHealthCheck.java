package io.tether.health;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Another Tether server is healthy when it answers {@code ping} with a line starting with
 * {@code pong} and no {@code unhealthy} suffix. A fresh connection per check keeps the other
 * server's ping-rate limit out of the picture and holds nothing between checks.
 */
public final class TetherHealthCheck implements HealthCheck {
    private static final byte[] PING = "ping\n".getBytes(StandardCharsets.US_ASCII);
    /** A pong line listing every failed check of a big server still fits; more is not a pong. */
    private static final int MAX_LINE = 4096;

    private final String name;
    private final HostPort target;

    public TetherHealthCheck(String name, HostPort target) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public String name() {
        return name;
    }

    public HostPort target() {
        return target;
    }

    @Override
    public HealthResult check(Duration timeout) {
        Deadline deadline = Deadline.in(timeout);
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(target.resolve(), (int) Math.max(1, deadline.remainingMillis()));
            OutputStream out = socket.getOutputStream();
            out.write(PING);
            out.flush();
            String line = readLine(socket, deadline);
            return interpret(line);
        } catch (SocketTimeoutException e) {
            return HealthResult.failed("no pong from " + target + " within " + KeepAlivePeriod.seconds(timeout));
        } catch (IOException | IllegalArgumentException e) {
            return HealthResult.failed("ping to " + target + " failed: " + e.getMessage());
        }
    }

    /** {@code pong} -> healthy; {@code pong unhealthy a,b} -> failed with {@code a,b}; else failed. */
    static HealthResult interpret(String line) {
        if (line == null) {
            return HealthResult.failed("connection closed before pong");
        }
        String trimmed = line.strip();
        if (trimmed.equals("pong")) {
            return HealthResult.ok();
        }
        if (trimmed.startsWith("pong unhealthy")) {
            return HealthResult.failed("unhealthy " + trimmed.substring("pong unhealthy".length()).strip());
        }
        if (trimmed.startsWith("pong ")) {
            // A future server may add fields after pong; only "unhealthy" means down.
            return HealthResult.ok();
        }
        return HealthResult.failed("expected pong, got '" + abbreviate(trimmed) + "'");
    }

    /** Reads one line, re-arming SO_TIMEOUT with what is left so a trickling peer cannot stretch the budget. */
    private static String readLine(Socket socket, Deadline deadline) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        while (line.length() < MAX_LINE) {
            long left = deadline.remainingMillis();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline passed");
            }
            socket.setSoTimeout((int) left);
            int b = in.read();
            if (b < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (b == '\n') {
                return line.toString();
            }
            line.append((char) b);
        }
        return line.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    @Override
    public String toString() {
        return "tether " + name + " " + target;
    }
}
