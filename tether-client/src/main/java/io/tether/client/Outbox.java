package io.tether.client;

import io.netty.channel.Channel;
import io.tether.client.internal.ClientConnection;
import io.tether.client.internal.ClientSession;
import io.tether.client.internal.SendQueue;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What the application sends, on its way out: written straight to the live connection when there
 * is one and nothing waits, else held in the bounded {@link SendQueue} and flushed in order when
 * the next connection is ready; a write that fails on a dying connection goes back to the head of
 * the queue. Every send that cannot go out fails its future with an exception saying why
 * ({@link QueueFullException}, {@link MessageTooLargeException}, {@link ConnectionLostException},
 * {@link ClientClosedException}). With resume, the {@link ClientSession} numbers each message and
 * its future completes on the server's ACK; with {@link ClientConfig#confirm()} on a plain
 * connection, it completes on the PONG of a ping sent after it (the connection's heartbeat).
 *
 * <p>Thread safe: {@link #send} runs on any thread, the rest on the client's event loop; one lock
 * guards the queue, the live connection and the closed flag, so no send overtakes the queue.
 */
final class Outbox {
    private final ClientConfig config;
    /** Resumable session state (ClientConfig.resume), or null. */
    private final ClientSession session;
    /** The client's state, for messages and for {@link #wake}. */
    private final Supplier<ClientState> state;
    /** ON_USE mode: something waits for a connection; connect (posts to the event loop). */
    private final Runnable wake;
    /** The server's package_max_length from WELCOME; unlimited until told. */
    private volatile long serverMaxFrame = Long.MAX_VALUE;

    // Guarded by sendLock: the queue and the connection sends go to directly.
    private final Object sendLock = new Object();
    private final SendQueue queue;
    private ClientConnection live;
    private boolean closed;
    private Throwable closedCause;

    Outbox(ClientConfig config, ClientSession session, Supplier<ClientState> state, Runnable wake) {
        this.config = config;
        this.session = session;
        this.state = state;
        this.wake = wake;
        this.queue = new SendQueue(config.maxQueuedMessages(), config.maxQueuedBytes());
    }

    /** See {@link TetherClient#send(byte[])}. */
    CompletableFuture<Void> send(byte[] message) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (config.protocol() == Protocol.LINE) {
            for (byte b : message) {
                if (b == '\n') {
                    f.completeExceptionally(new IllegalArgumentException(
                            "line mode: a message must not contain a newline (it would split into two messages)"));
                    return f;
                }
            }
        }
        String tooLarge = tooLarge(message.length);
        if (tooLarge != null) {
            f.completeExceptionally(new MessageTooLargeException(tooLarge));
            return f;
        }
        boolean wakeUp = false;
        synchronized (sendLock) {
            if (closed) {
                f.completeExceptionally(new ClientClosedException("client is closed; message not sent", closedCause));
                return f;
            }
            if (live != null && queue.isEmpty()) {
                write(live, message, f);
                return f;
            }
            ClientState now = state.get();
            try {
                queue.add(message, f, "state " + now);
            } catch (QueueFullException e) {
                f.completeExceptionally(e);
                return f;
            }
            wakeUp = now == ClientState.DISCONNECTED && config.mode() == ConnectionMode.ON_USE;
        }
        if (wakeUp) {
            wake.run();
        }
        return f;
    }

    /** Messages waiting for a connection. */
    int queued() {
        synchronized (sendLock) {
            return queue.size();
        }
    }

    /** The connection sends go to, or null. */
    ClientConnection live() {
        synchronized (sendLock) {
            return live;
        }
    }

    /** A WELCOME (null in line mode) arrived: from now on refuse messages larger than the server takes. */
    void serverLimit(Frame.Welcome welcome) {
        serverMaxFrame = welcome == null ? Long.MAX_VALUE : welcome.maxFrameLength();
    }

    /**
     * Why a message of {@code length} bytes cannot go to this server, or null. The server's limit
     * (WELCOME field 6) bounds a frame's payload: a DATA frame's is the message, a SEQ_DATA frame's
     * the message plus its 8-byte sequence number (docs/PROTOCOL.md, "Frame sizes").
     */
    private String tooLarge(long length) {
        long max = serverMaxFrame;
        if (session != null && session.sequenced()) {
            return length + FrameCodec.SEQ_LENGTH > max ? "message of " + length + " bytes exceeds the server's largest"
                    + " sequenced message, " + (max - FrameCodec.SEQ_LENGTH) + " bytes (package_max_length " + max
                    + " told in WELCOME, less the 8-byte sequence number)" : null;
        }
        return length > max ? "message of " + length + " bytes exceeds the server's package_max_length " + max
                + " (told in WELCOME)" : null;
    }

    /**
     * A connection is ready: with resume, first what the server missed, then the queue, in order;
     * then sends go to {@code conn} directly. Returns false, doing nothing, when the client is closed.
     */
    boolean attach(ClientConnection conn, Frame.Welcome welcome) {
        synchronized (sendLock) {
            if (closed) {
                return false;
            }
            if (session != null && welcome != null) {
                // Resume: what the server missed goes first, in order, then the queue.
                for (Frame.SeqData d : session.welcome(welcome, new ConnectionLostException("the server started a new"
                        + " session; this message was sent on the old one and may or may not have arrived", null))) {
                    Channel ch = conn.channel();
                    ch.eventLoop().execute(() -> ch.writeAndFlush(d));
                }
            }
            // Under the lock, so no send can overtake the queue: sends wait here, then go direct.
            SendQueue.Pending p;
            while ((p = queue.poll()) != null) {
                String tooLarge = tooLarge(p.message().length);
                if (tooLarge != null) {
                    p.future().completeExceptionally(new MessageTooLargeException("queued " + tooLarge));
                    continue;
                }
                write(conn, p.message(), p.future());
            }
            live = conn;
            return true;
        }
    }

    /** {@code conn} ended: sends wait in the queue again. */
    void detach(ClientConnection conn) {
        synchronized (sendLock) {
            if (live == conn) {
                live = null;
            }
        }
    }

    /**
     * The application closed the client: every waiting and unacknowledged message fails with
     * {@code cause}, and so will every later send. Returns false when it was closed already.
     */
    boolean close(ClientClosedException cause) {
        synchronized (sendLock) {
            if (closed) {
                return false;
            }
            closed = true;
            closedCause = cause;
            live = null;
            queue.failAll(cause);
        }
        if (session != null) {
            session.close(cause);
        }
        return true;
    }

    /** The client gave up reconnecting ({@code gaveUp} says why): fail what waits, refuse what comes. */
    void gaveUp(TetherClientException gaveUp) {
        synchronized (sendLock) {
            closed = true;
            closedCause = gaveUp;
            queue.failAll(new ClientClosedException("client gave up reconnecting; message not sent", gaveUp));
        }
        if (session != null) {
            session.close(new ClientClosedException("client gave up reconnecting; message not acknowledged", gaveUp));
        }
    }

    private void write(ClientConnection conn, byte[] message, CompletableFuture<Void> f) {
        if (session != null && session.sequenced()) {
            // Numbered under the send lock; written through the loop's task queue, so frames leave in
            // number order whichever thread sent them. A failed write needs no put-back: the message
            // stays unacknowledged and is resent after the resume.
            Frame.SeqData d = session.number(message, f);
            Channel ch = conn.channel();
            ch.eventLoop().execute(() -> ch.writeAndFlush(d));
            return;
        }
        conn.channel().writeAndFlush(new Frame.Data(message)).addListener(done -> {
            if (done.isSuccess() && config.confirm()) {
                conn.awaitConfirmation(message.length, f); // on the loop: a later ping follows it on the wire
            } else if (done.isSuccess()) {
                f.complete(null);
            } else {
                putBackOrFail(conn, message, f, done.cause());
            }
        });
    }

    /**
     * A write failed: the connection died before the message fully left (a partial frame is
     * discarded by the server, so it was not delivered). Sending it again cannot duplicate it, so
     * it goes back to the head of the queue for the next connection, unless a newer connection
     * already flushed (it would be out of order then) or the client is closed.
     */
    private void putBackOrFail(ClientConnection conn, byte[] message, CompletableFuture<Void> f, Throwable cause) {
        boolean wakeUp = false;
        synchronized (sendLock) {
            if (closed) {
                f.completeExceptionally(new ClientClosedException("client closed before the message of " + message.length
                        + " bytes was written", closedCause));
                return;
            }
            if (live == null || live == conn) {
                queue.putBack(new SendQueue.Pending(message, f));
                wakeUp = config.mode() == ConnectionMode.ON_USE;
            } else {
                f.completeExceptionally(new ConnectionLostException("message of " + message.length + " bytes not written: "
                        + conn + " ended (" + cause + ") and a newer connection has taken over; resending it now"
                        + " would break the order", cause));
                return;
            }
        }
        if (wakeUp) {
            wake.run();
        }
    }
}
