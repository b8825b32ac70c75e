package io.tether.bench.server;

import io.tether.bench.Args;
import io.tether.server.Framing;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.time.Duration;
import java.util.Locale;

/**
 * TetherServer as the load tool drives it: idle deadline on, pings answered by the server, a
 * handler that does nothing (so the figures are the server's, not an application's). Same
 * arguments as {@link BaselineServer} plus {@code --tick-ms} and {@code --framing}.
 */
public final class TetherBenchServer {
    private TetherBenchServer() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        ServerConfig config = ServerConfig.builder()
                .host(args.text("host", "127.0.0.1"))
                .port(args.integer("port", 9602))
                .workerNum(args.integer("workers", 1))
                .heartbeatIdleTime(Duration.ofMillis(args.longValue("idle-ms", 2000)))
                .heartbeatTick(Duration.ofMillis(args.longValue("tick-ms", 10)))
                .pingMinInterval(Duration.ZERO)
                .framing(Framing.valueOf(args.text("framing", "line").toUpperCase(Locale.ROOT)))
                .build();
        TetherServer server = TetherServer.builder().config(config).handler(new ServerHandler() { }).build().start();
        try {
            ServerControl.serve(server.localAddress().getPort(), args.longValue("max-seconds", 3600), server::connectionCount);
        } finally {
            server.close();
        }
    }
}
