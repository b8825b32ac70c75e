package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.ProtocolException;
import io.tether.core.text.Printable;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection received, sorted: pings go to the {@link PingResponder}, session frames to
 * the session layer, a CLOSE frame to the {@link CloseProtocol}, messages to the application.
 * For frame clients it also runs the handshake: the first frame must be a HELLO, answered with a
 * WELCOME (by the session layer when sessions are on).
 */
final class MessageDispatch {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server");
    /** CLOSE code for a refused resume (the session layer's EndReason.RESUME_REFUSED_CODE). */
    private static final int RESUME_REFUSED_CODE = 1104;

    private final ServerContext ctx;
    private final ServerConfig config;

    MessageDispatch(ServerContext ctx, ServerConfig config) {
        this.ctx = ctx;
        this.config = config;
    }

    /**
     * The first byte told line from frame (framing auto). A socket refused at accept was waiting for
     * just this: now it can be told why in its framing, and closed.
     */
    void detected(ServerConnection c, Framing mode) {
        c.framing = mode;
        if (mode == Framing.WEBSOCKET) {
            ctx.websocket.install(c, c.channel.pipeline()); // before a refusal: it is told in HTTP
        }
        if (c.refusing()) {
            ctx.close.close(c, CloseReason.LIMIT_REACHED, c.closeDetail, 0);
            return;
        }
        if (mode == Framing.LINE) {
            opened(c); // a line client has no handshake beyond its first byte
        }
    }

    /** A client without a handshake of its own (a line client, a plain WebSocket client once upgraded) may talk. */
    void opened(ServerConnection c) {
        ctx.liveness.handshakeDone(c);
        ctx.outbound.ready(c);
        if (ctx.sessions != null) {
            ctx.sessions.opened(c);
        }
    }

    /** The line of {@code length} bytes at index {@code start} of {@code in} (its terminator removed). */
    void onLine(ServerConnection c, ByteBuf in, int start, int length) {
        if (c.isClosing()) {
            return;
        }
        if (isPingLine(in, start, length)) {
            ctx.pings.onPing(c, -1);
            return;
        }
        byte[] bytes = new byte[length];
        in.getBytes(start, bytes);
        ctx.events.receive(c, new Message(bytes));
    }

    void onRaw(ServerConnection c, ByteBuf data) {
        if (!c.isClosing()) {
            ctx.events.receive(c, new Message(bytes(data)));
        }
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        return bytes;
    }

    void onFrame(ServerConnection c, Frame frame) {
        if (c.isClosing()) {
            return;
        }
        if (!c.helloSeen) {
            if (frame instanceof Frame.Hello hello) {
                c.helloSeen = true;
                ctx.liveness.handshakeDone(c);
                hello(c, hello);
            } else {
                ctx.close.protocolError(c, new ProtocolException("expected HELLO as the first frame, got " + frame.type()));
            }
            return;
        }
        if (frame instanceof Frame.Data d) {
            ctx.events.receive(c, new Message(d.payload()));
        } else if (frame instanceof Frame.SeqData || frame instanceof Frame.Ack) {
            if (!c.sequenced) {
                ctx.close.protocolError(c, new ProtocolException(frame.type() + " frames need a sequenced session (HELLO field 4)"));
                return;
            }
            byte[] payload = ctx.sessions.sequenced(c, frame);
            if (payload != null) {
                ctx.events.receive(c, new Message(payload, ((Frame.SeqData) frame).seq()));
            }
        } else if (frame instanceof Frame.Ping p) {
            ctx.pings.onPing(c, p.id());
        } else if (frame instanceof Frame.Pong) {
            ctx.liveness.pongReceived(c);
        } else if (frame instanceof Frame.Close close) {
            c.closeFrameReceived = true;
            // Whatever its code (1007, 1013, one this version does not know): the peer closed, and the
            // detail keeps its code and words for the logs. Never echoed (docs/PROTOCOL.md, Closing).
            ctx.close.close(c, CloseReason.PEER_CLOSED, "CLOSE frame " + close.code() + (close.reason().isEmpty() ? ""
                    : ": " + Printable.of(close.reason(), CloseProtocol.DETAIL_CHARS)), 0);
        } else {
            ctx.close.protocolError(c, new ProtocolException(frame.type() + " frames are sent by servers, not clients"));
        }
    }

    private void hello(ServerConnection c, Frame.Hello hello) {
        if (log.isDebugEnabled()) {
            log.debug("{} hello from '{}', client heartbeat {} ms", c, Printable.of(hello.clientName(), CloseProtocol.DETAIL_CHARS),
                    hello.heartbeatIntervalMillis());
        }
        Frame.Welcome plain = new Frame.Welcome(c.id, config.heartbeatIdleTime().toMillis(),
                config.serverPingInterval().toMillis(), config.serverPingTimeout().toMillis(),
                config.pingMinInterval().toMillis(), config.packageMaxLength(), config.serverName(), null, false);
        // A HELLO whose session fields cannot be granted is refused the same way with sessions on or off:
        // a field present is a request, never ignored (docs/PROTOCOL.md, Sessions).
        String problem = hello.resumeProblem();
        if (problem == null && ctx.sessions == null && hello.hasResumeToken()) {
            problem = "sessions are off on this server (open_sessions)";
        } else if (problem != null && ctx.sessions == null) {
            problem += "; sessions are off on this server (open_sessions)";
        }
        if (problem != null) {
            log.info("{} resume refused: {}", c, problem);
            ctx.close.close(c, CloseReason.CLOSED_BY_SERVER, "resume refused: " + problem, RESUME_REFUSED_CODE);
        } else if (ctx.sessions != null) {
            ctx.sessions.hello(c, hello, plain); // answers with welcome(), or refuses a resume it cannot make
        } else {
            welcome(c, plain);
        }
    }

    /**
     * Sends the WELCOME; from then on application data may flow, through the session layer if the
     * session is sequenced. Returns false (sending nothing) once the connection is closing.
     */
    boolean welcome(ServerConnection c, Frame.Welcome w) {
        if (c.closeReason != null || c.finished) {
            return false;
        }
        c.sequenced = w.sequenced();
        c.channel.writeAndFlush(w);
        ctx.outbound.ready(c);
        if (c.framesHeld) { // a resume that answered later: the client's frames after its HELLO waited for this
            WebSocketBridge ws = c.channel.pipeline().get(WebSocketBridge.class);
            ConnectionCodec codec = c.channel.pipeline().get(ConnectionCodec.class);
            if (ws != null) {
                ws.welcomeSent();
            } else if (codec != null) {
                codec.welcomeSent();
            }
        }
        return true;
    }

    /** {@code ping}, ignoring surrounding whitespace (so {@code ping\r} from telnet counts). */
    private static boolean isPingLine(ByteBuf line, int start, int n) {
        if (n < 4 || n > 8) {
            return false;
        }
        int i = start;
        int end = i + n;
        while (end > i && Character.isWhitespace(line.getByte(end - 1))) {
            end--;
        }
        while (i < end && Character.isWhitespace(line.getByte(i))) {
            i++;
        }
        return end - i == 4 && line.getByte(i) == 'p' && line.getByte(i + 1) == 'i' && line.getByte(i + 2) == 'n'
                && line.getByte(i + 3) == 'g';
    }
}
