/**
 * The Tether client SDK: a self-healing connection (heartbeats fitted to the server, silent-server
 * detection, jittered reconnect, failover, a bounded send queue, session resume).
 * {@code io.tether.client.internal} is not exported.
 */
module io.tether.client {
    requires transitive io.tether.core;
    requires io.netty.codec;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;

    exports io.tether.client;
}
