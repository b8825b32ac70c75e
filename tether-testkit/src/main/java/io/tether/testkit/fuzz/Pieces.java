package io.tether.testkit.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bytes as a socket may deliver them: cut into reads at generated places. A decoder must give the
 * same result however its input is cut, so the fuzz tests feed it both whole and in pieces.
 */
public final class Pieces {
    private Pieces() {
    }

    /** Up to 12 cut points; shrinking drops them first (the simplest case reads the input whole). */
    public static List<Integer> cuts(Source src) {
        return src.list(0, 12, 3, s -> s.intBetween(0, Integer.MAX_VALUE));
    }

    /** {@code bytes} split at {@code cuts} (each taken modulo its length), in order, no empty piece. */
    public static List<byte[]> split(byte[] bytes, List<Integer> cuts) {
        List<Integer> at = new ArrayList<>();
        for (int c : cuts) {
            if (bytes.length > 1) {
                at.add(1 + Math.floorMod(c, bytes.length - 1));
            }
        }
        at.add(bytes.length);
        at.sort(null);
        List<byte[]> pieces = new ArrayList<>();
        int from = 0;
        for (int to : at) {
            if (to > from) {
                pieces.add(Arrays.copyOfRange(bytes, from, to));
                from = to;
            }
        }
        return pieces;
    }
}
