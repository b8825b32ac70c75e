package io.tether.cluster;

/**
 * Presence events of the whole cluster, as every node sees them: each bound session's online once
 * and offline exactly once, whichever node it lived on, in the order Redis recorded them (so in
 * order per user). Called on the node's {@code tether-cluster-events} thread, one at a time; do
 * not block in them.
 */
public interface ClusterPresenceListener {

    /** A session was bound to its user on {@code member.node()} (or re-announced after Redis lost its data). */
    default void onOnline(ClusterMember member) {
    }

    /**
     * The session ended. {@code reason} is the session's end reason ({@code closed}, {@code expired},
     * ...), {@code node lost} when its node died and {@code claimedBy} took it over, {@code node left}
     * when its node shut down its cluster link first.
     *
     * @param claimedBy the node that declared the session's node dead, or null
     */
    default void onOffline(ClusterMember member, String reason, String claimedBy) {
    }
}
