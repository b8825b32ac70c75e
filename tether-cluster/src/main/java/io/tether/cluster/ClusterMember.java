package io.tether.cluster;

/** A bound session somewhere in the cluster: the node it lives on, its id there, and its user. */
public record ClusterMember(String node, String sessionId, String userId) {
}
