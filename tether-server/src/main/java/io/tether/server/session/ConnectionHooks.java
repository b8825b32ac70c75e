package io.tether.server.session;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.spi.SessionConnection;
import io.tether.server.spi.SessionLayer;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection's life means for sessions (the {@link SessionLayer} a connection calls): a
 * HELLO or a line client's start begins a session, a HELLO with a token resumes one (taking it
 * over from a connection the server still holds), numbered frames and sends go to the session's
 * stream, and a close detaches or ends it.
 */
final class ConnectionHooks implements SessionLayer {
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.session");

    private final SessionManager layer;
    private final SessionRegistry registry;

    ConnectionHooks(SessionManager layer) {
        this.layer = layer;
        this.registry = layer.registry;
    }

    @Override
    public void hello(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain) {
        if (hello.hasResumeToken()) { // well formed: the connection refused one with a resumeProblem() already
            resume(conn, hello, plain, hello.resumeToken());
            return;
        }
        boolean sequenced = hello.sequenced();
        boolean resumable = sequenced && layer.windowNanos > 0;
        SessionImpl s = start(conn, sequenced, resumable);
        byte[] newToken = null;
        if (resumable) {
            newToken = ResumeTokens.next();
            s.resumption().issue(ResumeTokens.key(newToken));
        }
        if (conn.welcome(welcome(plain, newToken, false, sequenced ? 0 : Frame.Hello.NOT_SEQUENCED))) {
            s.welcomed(conn, false);
        }
    }

    private void resume(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, byte[] token) {
        SessionImpl s = layer.tokens.claim(ResumeTokens.key(token));
        if (s == null) {
            refuse(conn, "unknown, expired or already used resume token");
            return;
        }
        byte[] newToken = ResumeTokens.next();
        Resumption.Outcome r = s.resumption().resume(conn, hello.receivedSeq(),
                ResumeTokens.key(newToken));
        if (r.refusal() != null) {
            refuse(conn, r.refusal());
            return;
        }
        registry.attach(conn, s);
        Frame.Welcome w = welcome(plain, newToken, true, r.inSeq());
        Runnable reply = () -> {
            if (conn.welcome(w)) {
                s.welcomed(conn, true);
            }
        };
        SessionConnection previous = r.previous();
        if (previous == null) {
            reply.run();
        } else {
            // Takeover: the old connection may be delivering a message on its loop right now. Let
            // that loop finish before the client hears WELCOME and sends the next one here, so the
            // application sees the client's messages in order.
            previous.close(CloseReason.CLOSED_BY_SERVER, "session " + s.id() + " resumed on connection " + conn.id(),
                    EndReason.TAKEN_OVER_CODE);
            previous.executor().execute(() -> conn.executor().execute(reply));
        }
        if (log.isDebugEnabled()) {
            log.debug("{} resumed on {}", s, conn);
        }
    }

    private static void refuse(SessionConnection conn, String why) {
        log.info("{} resume refused: {}", conn, why);
        conn.close(CloseReason.CLOSED_BY_SERVER, "resume refused: " + why, EndReason.RESUME_REFUSED_CODE);
    }

    private static Frame.Welcome welcome(Frame.Welcome p, byte[] token, boolean resumed, long receivedSeq) {
        return new Frame.Welcome(p.connectionId(), p.idleTimeoutMillis(), p.serverPingIntervalMillis(),
                p.serverPingTimeoutMillis(), p.minPingIntervalMillis(), p.maxFrameLength(), p.serverName(), token, resumed,
                receivedSeq);
    }

    private SessionImpl start(SessionConnection conn, boolean sequenced, boolean resumable) {
        SessionImpl s = new SessionImpl(layer, registry.nextId(), conn, sequenced, resumable);
        registry.add(s, conn);
        return s;
    }

    @Override
    public void opened(SessionConnection conn) {
        start(conn, false, false).welcomed(conn, false);
    }

    @Override
    public byte[] sequenced(SessionConnection conn, Frame frame) {
        SessionImpl s = registry.of(conn);
        return s == null ? null : s.onFrame(conn, frame);
    }

    @Override
    public void writable(SessionConnection conn) {
        SessionImpl s = registry.of(conn);
        SequencedStream stream = s == null ? null : s.stream();
        if (stream != null) {
            stream.writable(conn);
        }
    }

    @Override
    public CompletableFuture<Void> send(SessionConnection conn, byte[] message) {
        SessionImpl s = registry.of(conn);
        if (s != null && s.send(message)) {
            return CompletableFuture.completedFuture(null);
        }
        String tooLarge = s == null || s.stream() == null ? null : s.stream().neverFits(message.length);
        if (tooLarge != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(tooLarge));
        }
        return CompletableFuture.failedFuture(new IllegalStateException(
                (s == null ? "connection " + conn.id() : s.toString()) + " is closed"));
    }

    @Override
    public void closed(SessionConnection conn, CloseInfo info, boolean closeFrameReceived) {
        SessionImpl s = registry.detach(conn);
        if (s != null) {
            try {
                s.connectionLost(conn, info, closeFrameReceived);
            } catch (RuntimeException e) {
                // Never let the session layer stop the connection's own close from completing.
                log.warn("{}: session bookkeeping failed on close of {}", s, conn, e);
            }
        }
    }
}
