/**
 * Tether's foundation, shared by server and client: the wire protocol codec, close reasons and
 * their classifier, the deadline wheel, backoff, the config model and the socket transport.
 */
module io.tether.core {
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires transitive io.netty.codec;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires jdk.net;
    requires org.slf4j;
    requires org.yaml.snakeyaml;

    exports io.tether.core.backoff;
    exports io.tether.core.close;
    exports io.tether.core.config;
    exports io.tether.core.protocol;
    exports io.tether.core.text;
    // Building blocks of the server and client modules, not application API.
    exports io.tether.core.concurrent to io.tether.server, io.tether.client;
    exports io.tether.core.liveness to io.tether.server, io.tether.client;
    exports io.tether.core.tls to io.tether.server, io.tether.client;
    exports io.tether.core.transport;
}
