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
            newToken = layer.store == null ? ResumeTokens.next() : layer.store.newToken();
            s.resumption().issue(ResumeTokens.key(newToken));
        }
        Frame.Welcome w = welcome(plain, newToken, false, sequenced ? 0 : Frame.Hello.NOT_SEQUENCED);
        SessionStore store = s.store();
        if (store == null) {
            if (conn.welcome(w)) {
                s.welcomed(conn, false);
            }
            return;
        }
        // The client may resume anywhere once it has the token: the store must know it first.
        store.create(s, newToken).whenComplete((v, e) -> conn.executor().execute(() -> {
            if (e != null) {
                log.warn("{}: the session store could not keep it ({}); closing {}", s, e.toString(), conn);
                s.end(EndReason.LOST, "session store failed: " + e.getMessage(), null);
            } else if (conn.welcome(w)) {
                s.welcomed(conn, false);
            }
        }));
    }

    private void resume(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, byte[] token) {
        SessionStore store = layer.store;
        if (store == null) {
            resumeHere(conn, hello, plain, token, ResumeTokens.next());
            return;
        }
        // The store holds the truth of who has the session and which tokens resume it.
        byte[] newToken = store.newToken();
        store.claim(token, newToken, hello.receivedSeq(), conn::isOpen).whenComplete((claim, e) -> conn.executor().execute(() -> {
            if (!conn.isOpen()) {
                if (e == null && !claim.local()) {
                    arrive(conn, hello, plain, claim.image(), newToken, store); // it waits here, detached
                }
                return; // the client gave up waiting; its next HELLO, with the same token, resumes it
            }
            if (e != null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause instanceof SessionStore.Refused r) {
                    refuse(conn, r.getMessage(), r.unrecoverable() ? EndReason.UNRECOVERABLE_CODE : EndReason.RESUME_REFUSED_CODE);
                } else {
                    // The store could not say (Redis unreachable, the old owner slow): the session is
                    // untouched, and a code that does not end it lets the client try again later.
                    log.info("{} resume deferred: {}", conn, cause.toString());
                    conn.close(CloseReason.ERROR, "resume deferred: " + cause.getMessage(), 0);
                }
            } else if (claim.local()) {
                resumeHere(conn, hello, plain, (SessionImpl) claim.session(), newToken);
            } else {
                arrive(conn, hello, plain, claim.image(), newToken, store);
            }
        }));
    }

    /** A session another process held arrives on {@code conn}, as the store kept it. */
    private void arrive(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, SessionStore.Image image,
            byte[] newToken, SessionStore store) {
        SessionImpl s = new SessionImpl(layer, registry.nextId(), conn, true, true);
        boolean gone = !conn.isOpen();
        // What it had there: user (without a bound event: it is not new), groups, attributes, messages.
        if (image.userId() != null) {
            registry.bind(s, image.userId());
        }
        image.groups().forEach(g -> registry.join(s, g));
        if (!image.attributes().isEmpty()) {
            s.attributes().putAll(image.attributes());
        }
        if (!s.stream().restore(image.inSeq(), image.outAcked(), image.unacked())) {
            refuse(conn, "the session holds more unacknowledged messages than this server's session_replay_buffer "
                    + "or session_replay_bytes", EndReason.UNRECOVERABLE_CODE);
            s.end(EndReason.REPLAY_OVERFLOW, "it arrived with more than this server keeps", null);
            return;
        }
        s.resumption().issue(ResumeTokens.key(newToken));
        registry.add(s, conn);
        store.adopted(s, image);
        if (gone) {
            registry.detach(conn);
            s.connectionLost(conn, new CloseInfo(CloseReason.PEER_CLOSED, java.time.Duration.ZERO, "the client left before its WELCOME"), false);
            return;
        }
        String refusal;
        long in;
        synchronized (s) {
            refusal = s.stream().refusal(hello.receivedSeq());
            in = refusal == null ? s.stream().resumeFrom(hello.receivedSeq()) : 0;
        }
        if (refusal != null) {
            refuse(conn, refusal, EndReason.UNRECOVERABLE_CODE);
            s.end(EndReason.LOST, "resume refused: " + refusal, null);
            return;
        }
        if (conn.welcome(welcome(plain, newToken, true, in))) {
            s.welcomed(conn, true);
        }
    }

    /** A resume with a token this server issued, without a store. */
    private void resumeHere(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, byte[] token, byte[] newToken) {
        String key = ResumeTokens.key(token);
        SessionImpl s = layer.tokens.claim(key);
        if (s == null) {
            String why = layer.tokens.whyEnded(key);
            if (why != null) {
                refuse(conn, "the session cannot be recovered: it ended (" + why + ")", EndReason.UNRECOVERABLE_CODE);
            } else {
                refuse(conn, "unknown, expired or already used resume token");
            }
            return;
        }
        resumeHere(conn, hello, plain, s, newToken);
    }

    /** {@code s}, a session of this server, resumes on {@code conn}. */
    private void resumeHere(SessionConnection conn, Frame.Hello hello, Frame.Welcome plain, SessionImpl s, byte[] newToken) {
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
        refuse(conn, why, EndReason.RESUME_REFUSED_CODE);
    }

    private static void refuse(SessionConnection conn, String why, int code) {
        log.info("{} resume refused: {}", conn, why);
        conn.close(CloseReason.CLOSED_BY_SERVER, "resume refused: " + why, code);
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
        if (s == null) {
            return null;
        }
        SessionStore store = s.store();
        if (store != null && !store.mayDeliver()) {
            // Another node may own this session by now: deliver nothing, let the client resume where it is owned.
            conn.close(CloseReason.ERROR, "this node's cluster lease is stale; resume elsewhere", 0);
            return null;
        }
        return s.stream() == null ? null : s.stream().onFrame(conn, frame);
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
