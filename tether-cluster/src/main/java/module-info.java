/**
 * Tether's cluster layer: presence and routing across server nodes on Redis, node leases, and
 * exactly one {@code node lost} offline per session of a dead node. {@code io.tether.cluster.internal}
 * is not exported.
 */
module io.tether.cluster {
    requires transitive io.tether.server;
    requires lettuce.core;
    requires org.slf4j;

    exports io.tether.cluster;
}
