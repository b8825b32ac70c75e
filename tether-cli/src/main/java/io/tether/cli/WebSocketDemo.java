package io.tether.cli;

import io.tether.server.Connection;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.TetherServer;
import io.tether.server.session.Session;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tether server --websocket-demo}: a chat and a live counter for browsers, served at
 * {@code /} with the browser client at {@code /tether.js} (docs/WEBSOCKET.md). Every message a
 * page sends is broadcast to every session as {@code guest-ID: text}; every 500 ms every session
 * gets {@code tick N}. Sessions are resumable, so a page that loses its connection and resumes
 * misses and repeats nothing, which the page shows.
 */
public final class WebSocketDemo implements ServerHandler, AutoCloseable {
    /** Between counter ticks. */
    static final long TICK_MILLIS = 500;

    private TetherServer server;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tether-demo-ticker");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong ticks = new AtomicLong();

    /** The config the demo needs on top of {@code config}: WebSocket and resumable sessions on. */
    public static ServerConfig config(ServerConfig config) {
        return config.toBuilder().openWebsocketProtocol(true).openSessions(true).build();
    }

    /** Serves the page on {@code builder} and handles its messages; call {@link #start} once the server runs. */
    public TetherServer.Builder install(TetherServer.Builder builder) {
        return builder.handler(this).httpFile("/", "text/html; charset=utf-8", page());
    }

    /** Starts the counter on {@code running}. */
    public WebSocketDemo start(TetherServer running) {
        this.server = running;
        ticker.scheduleAtFixedRate(() -> running.sessions().broadcast("tick " + ticks.incrementAndGet()),
                TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    static byte[] page() {
        try (InputStream in = WebSocketDemo.class.getResourceAsStream("websocket-demo.html")) {
            if (in == null) {
                throw new IllegalStateException("websocket-demo.html missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onReceive(Connection conn, Message message) {
        Session s = server == null ? null : server.sessions().of(conn);
        String who = s == null ? "guest" : "guest-" + s.id();
        if (s != null) {
            server.sessions().broadcast(who + ": " + message.text());
        } else {
            conn.send(who + ": " + message.text()); // a plain WebSocket or line client: only the sender
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
