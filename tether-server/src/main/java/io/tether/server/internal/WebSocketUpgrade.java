package io.tether.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.netty.util.ReferenceCountUtil;
import io.tether.core.close.CloseReason;
import io.tether.core.text.Printable;
import io.tether.server.Framing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's HTTP request, before it is a WebSocket: serves a file (the browser client), or
 * checks path and origin and upgrades, then gives its place in the pipeline to the
 * {@link WebSocketBridge}. Refusals answer with an HTTP status and close through
 * {@link CloseProtocol} (reason protocol error, its wire code the HTTP status). Lives only until
 * the upgrade.
 */
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    private final ServerConnection conn;
    private final WebSocketTransport ws;

    WebSocketUpgrade(ServerConnection conn, WebSocketTransport ws) {
        this.conn = conn;
        this.ws = ws;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg); // nothing else can come before the upgrade
            return;
        }
        try {
            request(ctx, req);
        } finally {
            req.release();
        }
    }

    private void request(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (conn.isClosing()) {
            return;
        }
        if (!req.decoderResult().isSuccess()) {
            refuse(400, "bad HTTP request: " + Printable.of(String.valueOf(req.decoderResult().cause()), CloseProtocol.DETAIL_CHARS));
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        String shown = Printable.of(path, CloseProtocol.DETAIL_CHARS); // the peer's text, for details and logs
        boolean upgrade = HttpHeaderValues.WEBSOCKET.contentEqualsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE, ""));
        WebSocketTransport.StaticFile file = ws.file(path);
        if (req.method() != HttpMethod.GET) {
            refuse(405, "HTTP " + Printable.of(req.method().name(), 20) + " " + shown + ": only GET is served");
        } else if (file != null && !upgrade) {
            conn.channel.write(WebSocketTransport.response(HttpResponseStatus.OK, file.contentType(), Unpooled.wrappedBuffer(file.body())));
            conn.ctx.close.close(conn, CloseReason.CLOSED_BY_SERVER, "HTTP GET " + shown + " served", 0);
        } else if (!path.equals(ws.path)) {
            refuse(404, "HTTP GET " + shown + ": not websocket_path " + ws.path);
        } else if (!ws.originAllowed(req.headers().get(HttpHeaderNames.ORIGIN))) {
            refuse(403, "WebSocket origin " + Printable.of(String.valueOf(req.headers().get(HttpHeaderNames.ORIGIN)), CloseProtocol.DETAIL_CHARS)
                    + " not in websocket_origins");
        } else if (!upgrade) {
            refuse(426, "HTTP GET " + shown + " without Upgrade: websocket");
        } else {
            upgrade(ctx, req);
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req) {
        String asked = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        boolean framed = false; // one of the comma-separated names, exactly: tether.v10 is not tether.v1
        for (String name : asked == null ? new String[0] : asked.split(",")) {
            framed |= name.trim().equals(WebSocketTransport.SUBPROTOCOL);
        }
        String version = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "");
        if (!"13".equals(version)) { // RFC 6455's, every browser's; 426 says so (WebSocketTransport.refusal)
            refuse(426, "unsupported WebSocket version " + Printable.of(version, CloseProtocol.DETAIL_CHARS));
            return;
        }
        WebSocketDecoderConfig config = framed ? ws.framed : ws.plain;
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshaker13(ws.path, framed ? WebSocketTransport.SUBPROTOCOL : null,
                config) {
            @Override
            protected WebSocketFrameDecoder newWebsocketDecoder() {
                return new WebSocketFrameReader(config, conn); // package_timeout for WebSocket frames
            }
        };
        ChannelFuture done;
        try {
            done = handshaker.handshake(conn.channel, req); // puts the WebSocket codec in, writes the 101
        } catch (RuntimeException e) { // a request the handshaker cannot answer (no Sec-WebSocket-Key...)
            refuse(400, "WebSocket handshake: " + Printable.of(String.valueOf(e.getMessage()), CloseProtocol.DETAIL_CHARS));
            return;
        }
        // The bridge takes over at once, so nothing the client sends after the 101 finds this step.
        ChannelPipeline p = ctx.pipeline();
        p.replace(this, "ws", new WebSocketBridge(conn, ws.maxLength));
        done.addListener(f -> {
            if (!f.isSuccess()) {
                conn.ctx.close.failed(conn, f.cause(), true);
            }
        });
        if (framed) {
            conn.framing = Framing.FRAME; // a frame client from now on: its HELLO is due within handshake_timeout
        } else {
            conn.ctx.dispatch.opened(conn);
        }
    }

    /** Answers {@code status} with the reason, and closes (CloseProtocol writes the answer). */
    private void refuse(int status, String detail) {
        if (status == 403) {
            log.info("{} refused with HTTP {}: {}", conn, status, detail); // someone else's page: worth a line
        } else if (log.isDebugEnabled()) {
            log.debug("{} refused with HTTP {}: {}", conn, status, detail); // a browser's /favicon.ico, a scanner
        }
        conn.ctx.close.close(conn, CloseReason.PROTOCOL_ERROR, detail, status);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        conn.ctx.close.failed(conn, cause, false);
    }
}
