package io.tether.cluster;

/**
 * A live node as Redis sees it: its id, how long its lease has left (negative: expired, about to
 * be claimed) and how many bound sessions it registered.
 */
public record NodeStatus(String node, long leaseLeftMillis, long sessions) {
}
