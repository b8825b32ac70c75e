package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.tether.core.protocol.ProtocolException;

/**
 * Cuts newline-terminated lines out of a cumulating buffer (CRLF accepted). Its caller remembers how
 * far it has already looked ({@code scanned}), so a long line arriving in many reads is scanned
 * once, and it refuses a line longer than the limit as soon as that many bytes are buffered, not
 * when its end finally comes.
 *
 * <p>No state of its own: the scan position is an {@code int} of the connection's
 * {@link ConnectionCodec}, so cutting lines costs no object per connection (24 B each on 100,000
 * connections, docs/BENCHMARKS.md).
 */
final class LineSplitter {
    private LineSplitter() {
    }

    /**
     * The length of the next line's content, which starts at {@code in}'s reader index as it was
     * before the call (the reader index moves past the line's terminator; the bytes stay readable at
     * their index until the buffer is discarded at the end of the read batch), or -1 when no complete
     * line is buffered yet. No slice: a {@code ping} line costs no object.
     *
     * @param scanned how many readable bytes an earlier call already found no newline in: 0 after a
     *                line was cut, {@code in.readableBytes()} as it was when this returned -1
     */
    static int next(ByteBuf in, int scanned, int maxLength) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int eol = in.forEachByte(start + scanned, readable - scanned, ByteProcessor.FIND_LF);
        if (eol < 0) {
            // readable - 1: the content so far, less a CR that may precede the LF still to come. Not
            // maxLength + 1, which overflows for a limit of Integer.MAX_VALUE and refused every line.
            if (readable - 1 > maxLength) {
                throw new ProtocolException("line longer than package_max_length " + maxLength + " bytes");
            }
            return -1;
        }
        int end = eol > start && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        int length = end - start;
        if (length > maxLength) {
            throw new ProtocolException("line of " + length + " bytes exceeds package_max_length " + maxLength);
        }
        in.readerIndex(eol + 1);
        return length;
    }

    /**
     * The last line, which the peer ended with its FIN instead of a newline: the length of
     * everything left in {@code in} (a trailing CR not counted, as before a newline), read as
     * {@link #next} reads a line; call after it returned -1.
     */
    static int rest(ByteBuf in, int maxLength) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        if (end - start > maxLength) {
            throw new ProtocolException("line of " + (end - start) + " bytes exceeds package_max_length " + maxLength);
        }
        in.readerIndex(in.writerIndex());
        return end - start;
    }
}
