/**
 * The Tether server: connections with Swoole's events, framing, the liveness layers, close
 * reasons, sessions and the health-check SPI. {@code io.tether.server.internal} is not exported.
 */
module io.tether.server {
    requires transitive io.tether.core;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;
    requires org.jctools.core;

    exports io.tether.server;
    exports io.tether.server.health;
    exports io.tether.server.session;
    exports io.tether.server.spi;
}
