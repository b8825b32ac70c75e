package io.tether.lab;

/**
 * What one cell showed and the verdict.
 *
 * @param closed     the server closed the connection within the observation window
 * @param reason     the close reason (CloseReason name), or empty
 * @param detectMs   from the fault to the server's close event; -1 when not closed
 * @param silentMs   the server's silentFor at close; -1 when not closed
 * @param cleaned    the connection left server.connections() and the cell's count is 0 (closed cells);
 *                   for open cells: whether the server still holds it (a ghost, for expected misses)
 * @param pass       the verdict
 * @param verdict    short words: ok, miss (expected), alive, or what went wrong
 * @param clientSaw  what the peer itself noticed (frame-ping peers), or empty
 */
public record CellResult(Scenario scenario, Liveness liveness, Expected expected, boolean closed, String reason,
                         long detectMs, long silentMs, boolean cleaned, boolean pass, String verdict, String clientSaw) {

    /** The bound including slack, or 0 for cells with no bound. */
    public long limitMs(Timings t) {
        return expected.kind() == Expected.Kind.DETECT ? expected.boundMs() + t.slackMs(expected.boundMs()) : 0;
    }
}
