package io.tether.client.internal;

import io.tether.client.QueueFullException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Messages sent while there is no connection, oldest first, bounded both in count and in payload
 * bytes (a few huge messages must not hold unbounded memory, nor many tiny ones). Not thread
 * safe: the client guards it with its send lock.
 */
public final class SendQueue {

    /** One waiting message and the future its sender holds. */
    public record Pending(byte[] message, CompletableFuture<Void> future) {
    }

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Messages whose write failed on a dying connection: older than anything in {@link #queue}, so served first. */
    private final ArrayDeque<Pending> retry = new ArrayDeque<>();
    private final int maxMessages;
    private final long maxBytes;
    private long bytes;

    public SendQueue(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /**
     * Appends a message, or throws {@link QueueFullException} naming the bound it would cross.
     *
     * @param why the client's situation, for the exception message ("state RECONNECTING")
     */
    public void add(byte[] message, CompletableFuture<Void> future, String why) {
        if (size() >= maxMessages) {
            throw new QueueFullException("max_queued_messages", maxMessages, "send queue full: " + size()
                    + " messages already wait for a connection (" + why + "), max_queued_messages = " + maxMessages
                    + "; raise ClientConfig.Builder.maxQueuedMessages or wait until the client is CONNECTED");
        }
        if (bytes + message.length > maxBytes) {
            throw new QueueFullException("max_queued_bytes", maxBytes, "send queue full: " + bytes + " bytes wait for a"
                    + " connection (" + why + ") and this message adds " + message.length + ", max_queued_bytes = "
                    + maxBytes + "; raise ClientConfig.Builder.maxQueuedBytes or wait until the client is CONNECTED");
        }
        queue.addLast(new Pending(message, future));
        bytes += message.length;
    }

    /**
     * Puts back a message that was handed to a connection but never fully written (the connection
     * died first). It was accepted once, so no bound refuses it; it goes before every queued message
     * (those were sent after it), behind earlier put-back ones (failures arrive in write order).
     */
    public void putBack(Pending p) {
        retry.addLast(p);
        bytes += p.message.length;
    }

    /** The oldest message, removed, or null. */
    public Pending poll() {
        Pending p = retry.pollFirst();
        if (p == null) {
            p = queue.pollFirst();
        }
        if (p != null) {
            bytes -= p.message.length;
        }
        return p;
    }

    public boolean isEmpty() {
        return queue.isEmpty() && retry.isEmpty();
    }

    public int size() {
        return queue.size() + retry.size();
    }

    public long bytes() {
        return bytes;
    }

    /** Fails and removes every waiting message. */
    public void failAll(Throwable cause) {
        Pending p;
        while ((p = poll()) != null) {
            p.future.completeExceptionally(cause);
        }
    }
}
