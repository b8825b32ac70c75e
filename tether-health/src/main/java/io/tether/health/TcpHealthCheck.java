package io.tether.health;

import io.tether.server.health.HealthCheck;
import io.tether.server.health.HealthResult;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * A plain TCP dependency is healthy when a connection to it completes within the timeout. The
 * socket is closed at once (try-with-resources), so a check holds nothing between runs.
 */
public final class TcpHealthCheck implements HealthCheck {
    private final String name;
    private final HostPort target;

    public TcpHealthCheck(String name, HostPort target) {
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
        // Socket.connect treats 0 as "forever"; a budget that small must still fail fast.
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(target.resolve(), millis);
            return HealthResult.ok();
        } catch (SocketTimeoutException e) {
            return HealthResult.failed("no connection to " + target + " within " + KeepAlivePeriod.seconds(timeout));
        } catch (IOException | IllegalArgumentException e) {
            return HealthResult.failed("cannot connect to " + target + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "tcp " + name + " " + target;
    }
}
