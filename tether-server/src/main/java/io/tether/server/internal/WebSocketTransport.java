package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.tether.core.protocol.FrameCodec;
import io.tether.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * WebSocket for the server (docs/WEBSOCKET.md): one per server, no per-connection state. A
 * connection whose first bytes are an HTTP {@code GET} (framing auto with open_websocket_protocol,
 * or framing websocket) gets the HTTP codec behind its {@link ConnectionCodec}
 * ({@link #install}); {@link WebSocketUpgrade} checks path and origin and upgrades it, and
 * {@link WebSocketBridge} then feeds its messages to the same parts every connection uses.
 *
 * <p>Two kinds of WebSocket client: a plain one (a browser's {@code new WebSocket(url)}), whose text
 * and binary messages are application messages, and one that asks for the {@code tether.v1}
 * subprotocol, which carries the frame protocol, one frame per binary message, and is a frame
 * client from then on (handshake, pings, sessions and resume as over TCP).
 */
final class WebSocketTransport {
    /** The subprotocol of the frame protocol carried in binary messages (docs/PROTOCOL.md, WebSocket). */
    static final String SUBPROTOCOL = "tether.v1";
    /** An upgrade request's head and headers; a GET has no body. */
    private static final int MAX_REQUEST = 8192;
    /** Where the browser client is served, beside the upgrade path. */
    static final String CLIENT_PATH = "/tether.js";

    final ServerConfig config;
    final String path;
    final List<String> origins;
    final int maxLength;
    /** Decoder configs: a plain client's (package_max_length per message) and a tether.v1 client's. */
    final WebSocketDecoderConfig plain;
    final WebSocketDecoderConfig framed;
    private final boolean compression;
    /** Files served by GET: path -> response body and its content type. */
    private final Map<String, StaticFile> files = new HashMap<>();

    record StaticFile(byte[] body, String contentType) {
    }

    WebSocketTransport(ServerConfig config) {
        this.config = config;
        this.path = config.websocketPath();
        this.origins = config.websocketOrigins();
        this.maxLength = config.packageMaxLength();
        this.compression = config.websocketCompression();
        // Plain: package_max_length per message, refused from a frame's header (1009). tether.v1: a
        // message is one frame, header included; the frame codec judges its length (1008) as over TCP.
        this.plain = decoderConfig(maxLength);
        this.framed = decoderConfig(Math.max(maxLength, FrameCodec.MAX_HELLO_LENGTH) + FrameCodec.HEADER_LENGTH);
        byte[] client = resource("web/tether.js");
        if (client != null) {
            files.put(CLIENT_PATH, new StaticFile(client, "text/javascript; charset=utf-8"));
        }
    }

    /** Before the server starts (the map is read by the event loops after). */
    void addFile(String path, StaticFile file) {
        files.put(path, file);
    }

    private WebSocketDecoderConfig decoderConfig(int max) {
        return WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(max).allowExtensions(compression)
                .closeOnProtocolViolation(false) // WebSocketBridge closes, through CloseProtocol, with the reason
                .build();
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebSocketTransport.class.getResourceAsStream("/io/tether/server/" + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTP request is coming on {@code c}: the HTTP codec and the upgrade step, behind the ConnectionCodec. */
    void install(ServerConnection c, ChannelPipeline p) {
        String after = p.context(ConnectionCodec.class).name();
        p.addAfter(after, "http", new HttpServerCodec(4096, MAX_REQUEST, 8192));
        p.addAfter("http", "http-request", new HttpObjectAggregator(MAX_REQUEST));
        if (compression) {
            p.addAfter("http-request", "ws-deflate", new WebSocketServerCompressionHandler(0));
        }
        p.addLast("ws-upgrade", new WebSocketUpgrade(c, this));
    }

    StaticFile file(String path) {
        return files.get(path);
    }

    /** True when {@code origin} may upgrade: any, when websocket_origins is unset. */
    boolean originAllowed(String origin) {
        return origins.isEmpty() || origin != null && origins.contains(origin);
    }

    /** An HTTP answer that ends the connection (an error before the upgrade, or a served file). */
    static FullHttpResponse response(HttpResponseStatus status, String contentType, ByteBuf body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    /** The refusal a connection closed before its upgrade gets: {@code status} and the close's words. */
    static FullHttpResponse refusal(int status, String text) {
        FullHttpResponse r = response(HttpResponseStatus.valueOf(status), "text/plain; charset=utf-8",
                Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
        if (status == HttpResponseStatus.UPGRADE_REQUIRED.code()) {
            r.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13"); // the version this server speaks (RFC 6455, 4.4)
        }
        return r;
    }
}
