package io.tether.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A WebSocket client for tests: the JDK's {@link java.net.http.WebSocket}, an implementation
 * independent of Netty's. It records what arrives (text as {@code "text:..."}, binary as
 * {@code "binary:<hex>"}), the server's pings and pongs, and the close code and reason. It never
 * pings on its own; the JDK answers the server's pings with pongs by itself.
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<ByteBuffer> binaries = new CopyOnWriteArrayList<>();
    final AtomicInteger pings = new AtomicInteger();
    final List<ByteBuffer> pongs = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    volatile String closeReason;
    volatile long closedAtNanos;
    final long connectedAtNanos;
    final WebSocket ws;
    private final StringBuilder text = new StringBuilder();
    private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

    private WsClient(HttpClient http, URI uri, String subprotocol, String origin) throws Exception {
        WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (subprotocol != null) {
            b.subprotocols(subprotocol);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        this.ws = b.buildAsync(uri, this).get(10, TimeUnit.SECONDS);
        this.connectedAtNanos = System.nanoTime();
    }

    static URI uri(TetherServer server, String path) {
        return URI.create("ws://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    static WsClient connect(TetherServer server) throws Exception {
        return new WsClient(HttpClient.newHttpClient(), uri(server, "/ws"), null, null);
    }

    static WsClient connect(URI uri, String subprotocol, String origin) throws Exception {
        return new WsClient(HttpClient.newHttpClient(), uri, subprotocol, origin);
    }

    /** Through {@code http}: wss:// with its SSLContext. */
    static WsClient connect(HttpClient http, URI uri) throws Exception {
        return new WsClient(http, uri, null, null);
    }

    void text(String s) {
        ws.sendText(s, true).join();
    }

    void binary(byte[] b) {
        ws.sendBinary(ByteBuffer.wrap(b), true).join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            received.add("text:" + text);
            text.setLength(0);
        }
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        binary.writeBytes(chunk);
        if (last) {
            byte[] all = binary.toByteArray();
            binary.reset();
            binaries.add(ByteBuffer.wrap(all));
            received.add("binary:" + java.util.HexFormat.of().formatHex(all));
        }
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket w, ByteBuffer message) {
        pings.incrementAndGet();
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket w, ByteBuffer message) {
        pongs.add(message);
        w.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
        closeReason = reason;
        closedAtNanos = System.nanoTime();
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
        closedAtNanos = System.nanoTime();
        closeCode.completeExceptionally(error);
    }

    /** The server's close code, waiting at most {@code seconds}. */
    int awaitClose(int seconds) throws Exception {
        return closeCode.get(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ws.abort();
    }
}
