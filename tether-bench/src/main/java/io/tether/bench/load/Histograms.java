package io.tether.bench.load;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** HdrHistograms as one base64 word, so agents can send them to the coordinator on a text line. */
public final class Histograms {
    /** Nanoseconds up to a minute at three significant digits. */
    public static final long HIGHEST = 60_000_000_000L;

    private Histograms() {
    }

    public static Histogram create() {
        return new Histogram(HIGHEST, 3);
    }

    public static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n));
    }

    public static Histogram decode(String word) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(word)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("bad histogram", e);
        }
    }
}
