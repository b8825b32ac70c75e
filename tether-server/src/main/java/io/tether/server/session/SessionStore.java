package io.tether.server.session;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where resumable sessions keep their durable part, so that a client can resume on another
 * process and a session outlives the process that held it. tether-cluster implements it on Redis
 * (docs/CLUSTER.md, "Sessions that move between nodes"); a server without one keeps sessions in
 * its own memory. Installed with {@link Sessions#installStore} before the server starts.
 *
 * <p>With a store, a resumable session's outbound messages are numbered by the store, and reach
 * the client only after the store holds them; the client's messages are acknowledged only after
 * the store holds the number received. So whichever process the client resumes on finds every
 * message it has not had acknowledged, and the client resends exactly those it sent that the store
 * does not hold.
 *
 * <p>Calls come from event loops and application threads: never block in them.
 */
public interface SessionStore {

    /**
     * The server's side, which the store calls back: messages the store numbered, and a session
     * another process takes over.
     */
    interface Host {
        /**
         * Messages for {@code session} the store holds from {@code seq} on, in order, with no gap:
         * the session's stream takes them ({@link Session#send} only asked the store). Any thread,
         * one call at a time per session.
         */
        void learned(Session session, long seq, List<byte[]> payloads);

        /**
         * Another process takes {@code session} over (its client resumed there): ends it here with
         * {@link EndReason#MOVED}, closing its connection with CLOSE 1105, and returns the last
         * client sequence number it received, or -1 if the session is not on this server any more.
         */
        long release(Session session);
    }

    /**
     * A session's durable state, as another process left it; the session comes back from it.
     *
     * @param userId      the bound user, or null
     * @param inSeq       the client's last message the store holds
     * @param outAcked    the last message of this session the client acknowledged
     * @param unacked     the messages after {@code outAcked}, in order
     */
    record Image(String userId, Set<String> groups, Map<String, Object> attributes, long inSeq, long outAcked,
            List<byte[]> unacked) {
    }

    /**
     * What a resume token resolved to: {@code session}, on this server (resume it as if there were
     * no store; the store rotated the token already), or the {@code image} of one that moves here.
     */
    record Claim(Session session, Image image) {
        public static Claim local(Session session) {
            return new Claim(session, null);
        }

        public static Claim moved(Image image) {
            return new Claim(null, image);
        }

        public boolean local() {
            return image == null;
        }
    }

    /** A resume the store refuses; {@link #unrecoverable} when the session existed and cannot come back (CLOSE 1106). */
    final class Refused extends RuntimeException {
        private final boolean unrecoverable;

        public Refused(String message, boolean unrecoverable) {
            super(message, null, false, false);
            this.unrecoverable = unrecoverable;
        }

        public boolean unrecoverable() {
            return unrecoverable;
        }
    }

    /** Called once, when installed. */
    void start(Host host);

    /**
     * A new resume token: 16 bytes, at least 96 of them from a SecureRandom. A store may mark the
     * rest, to know a token of its own when it no longer holds its session (so a resume after the
     * store lost its data hears 1106, not 1104).
     */
    byte[] newToken();

    /**
     * A new resumable session with its first token (16 random bytes). Its WELCOME waits for the
     * future; a failed one closes the connection.
     */
    CompletableFuture<Void> create(Session session, byte[] token);

    /**
     * A HELLO with {@code token} arrived at this server, from a client that received the session's
     * messages up to {@code receivedSeq}: resolves it, rotating it to {@code newToken}. Completes with
     * {@link Claim#local}, or an {@link Image} of a session taken over from another process (alive:
     * it released it; dead: its state as the store holds it), or fails with {@link Refused}, or
     * with another exception when it cannot tell now (the client is closed with a code that keeps
     * its session, and tries again). While
     * it waits for another process to let the session go it asks {@code waiting} before each try,
     * and gives up once the client has left (so a session is not taken for a connection that is gone).
     */
    CompletableFuture<Claim> claim(byte[] token, byte[] newToken, long receivedSeq, java.util.function.BooleanSupplier waiting);

    /** A session rebuilt from {@code image} on this server (after {@link #claim}); it is now its owner. */
    void adopted(Session session, Image image);

    /**
     * {@link Session#send} on a session the store keeps: numbers and holds {@code payload}, then
     * hands it to {@link Host#learned}. Returns false (taking nothing) once the session has ended.
     */
    boolean append(Session session, byte[] payload);

    /** What a {@link #commit} came to. */
    enum Receipt {
        /** The store holds it: the ACK may go out. */
        KEPT,
        /** Another process owns the session now: this one lets it go ({@link EndReason#MOVED}). */
        MOVED,
        /** The store no longer holds the session (it lost its data): it ends here ({@link EndReason#LOST}). */
        GONE
    }

    /** The session received the client's messages up to {@code inSeq}; the ACK waits for the future. */
    CompletableFuture<Receipt> commit(Session session, long inSeq);

    /** The client acknowledged this session's messages up to {@code seq}: the store may drop them. */
    void acked(Session session, long seq);

    /** The session ended on this server with {@code end} ({@link EndReason#MOVED}: it lives on elsewhere). */
    void ended(Session session, SessionEnd end);

    /**
     * Whether this server may still hand the client's messages to the application: false when it
     * may have lost the right to its sessions (a cluster node that has not renewed its lease in
     * time, after a freeze). A connection that delivers while this is false is closed instead.
     */
    default boolean mayDeliver() {
        return true;
    }
}
