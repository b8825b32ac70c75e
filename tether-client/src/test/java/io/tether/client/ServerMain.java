package io.tether.client;

import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A Tether server in its own JVM, for tests that kill or freeze it: {@code ServerMain PORT [sessions]}
 * ({@code sessions}: open_sessions on). Prints {@code READY PORT} once listening, then every
 * received message on a line of its own.
 */
public final class ServerMain {
    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        TetherServer server = TetherServer.builder()
                .config(ServerConfig.builder().port(port).workerNum(1)
                        .openSessions(args.length > 1 && args[1].equals("sessions")).build())
                .handler(new ServerHandler() {
                    @Override
                    public void onReceive(Connection conn, Message message) {
                        synchronized (out) {
                            out.println(message.text());
                        }
                    }
                })
                .build()
                .start();
        synchronized (out) {
            out.println("READY " + server.localAddress().getPort());
        }
        // The server's event loops are daemon threads: keep the JVM up until it is killed.
        Thread.currentThread().join();
    }
}
