package io.tether.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.tether.core.protocol.ProtocolException;

/**
 * Cuts newline-terminated lines out of a cumulating buffer (CRLF accepted). Remembers how far it
 * has already looked, so a long line arriving in many reads is scanned once, and refuses a line
 * longer than the limit as soon as that many bytes are buffered, not when its end finally comes.
 */
final class LineSplitter {
    private final int maxLength;
    private int scanned;

    LineSplitter(int maxLength) {
        this.maxLength = maxLength;
    }

    /**
     * The next line's content (a slice without its terminator, valid until {@code in} is read
     * further), or null when no complete line is buffered yet.
     */
    ByteBuf next(ByteBuf in) {
        int start = in.readerIndex();
        int readable = in.readableBytes();
        int eol = in.forEachByte(start + scanned, readable - scanned, ByteProcessor.FIND_LF);
        if (eol < 0) {
            scanned = readable;
            // readable - 1: the content so far, less a CR that may precede the LF still to come. Not
            // maxLength + 1, which overflows for a limit of Integer.MAX_VALUE and refused every line.
            if (readable - 1 > maxLength) {
                throw new ProtocolException("line longer than package_max_length " + maxLength + " bytes");
            }
            return null;
        }
        scanned = 0;
        int end = eol > start && in.getByte(eol - 1) == '\r' ? eol - 1 : eol;
        int length = end - start;
        if (length > maxLength) {
            throw new ProtocolException("line of " + length + " bytes exceeds package_max_length " + maxLength);
        }
        ByteBuf line = in.slice(start, length);
        in.readerIndex(eol + 1);
        return line;
    }

    /**
     * The last line, which the peer ended with its FIN instead of a newline: everything left in
     * {@code in} (a trailing CR removed, as before a newline); call after {@link #next} returned null.
     */
    ByteBuf rest(ByteBuf in) {
        scanned = 0;
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end > start && in.getByte(end - 1) == '\r') {
            end--;
        }
        if (end - start > maxLength) {
            throw new ProtocolException("line of " + (end - start) + " bytes exceeds package_max_length " + maxLength);
        }
        ByteBuf line = in.slice(start, end - start);
        in.readerIndex(in.writerIndex());
        return line;
    }
}
