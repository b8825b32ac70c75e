package io.tether.server.internal;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tether.core.config.Values;
import io.tether.core.transport.SocketOptions;
import io.tether.core.transport.Transport;
import io.tether.server.ServerConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening socket and the event loops behind it: binds with the transport's socket options
 * (epoll, or NIO naming what it cannot apply), says in plain words why a bind failed, and stops
 * accepting, then the loops, on shutdown. One per started server.
 */
public final class Listener {
    /**
     * The listening and stopped lines, an operator's proof that the server is up or down: on a
     * logger of their own, so a quieter level chosen for everything else does not hide them.
     */
    private static final Logger lifecycle = LoggerFactory.getLogger("io.tether.server.lifecycle");

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;

    private Listener(EventLoopGroup bossGroup, EventLoopGroup workerGroup, Channel serverChannel) {
        this.bossGroup = bossGroup;
        this.workerGroup = workerGroup;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds {@code config}'s host and port and starts accepting into {@code ctx}.
     *
     * @throws IllegalStateException naming the address and the problem (a host that does not
     *     resolve, an address in use, ...)
     */
    public static Listener bind(ServerConfig config, Transport transport, ServerContext ctx, ServerTls tls) {
        String where = hostPort(config.host(), config.port());
        InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
        if (address.isUnresolved()) {
            // Netty would fail the bind with an UnresolvedAddressException, whose message is null.
            throw new IllegalStateException("cannot listen on " + where + ": cannot resolve host '" + config.host() + "'");
        }
        EventLoopGroup boss = transport.newGroup(1, "tether-accept");
        EventLoopGroup workers = transport.newGroup(config.workerNum(), "tether-io");
        ctx.createWheels(workers);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ServerInitializer(ctx, tls));
        // Half-closure lets the pipeline see the peer's FIN as an event, so it is named "peer closed".
        bootstrap.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        SocketOptions wanted = SocketOptions.of(config.openTcpKeepalive(), config.tcpKeepIdle(), config.tcpKeepInterval(),
                config.tcpKeepCount(), config.tcpUserTimeout());
        for (Map.Entry<ChannelOption<?>, Object> e : transport.channelOptions(wanted).entrySet()) {
            @SuppressWarnings("unchecked")
            ChannelOption<Object> key = (ChannelOption<Object>) e.getKey();
            bootstrap.childOption(key, e.getValue());
        }
        Channel channel;
        try {
            channel = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) { // syncUninterruptibly rethrows the bind's IOException unchecked
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot listen on " + where + ": " + bindProblem(e), e);
        }
        Listener listener = new Listener(boss, workers, channel);
        lifecycle.info("tether listening on {} ({}, {} event loop{}, framing {}, heartbeat_idle_time {}, keepalive {}, tcp_user_timeout {})",
                hostPort(listener.localAddress()), transport.name(), config.workerNum(), config.workerNum() == 1 ? "" : "s", config.framing().name().toLowerCase(Locale.ROOT),
                fmt(config.heartbeatIdleTime()), config.openTcpKeepalive()
                        ? fmt(config.tcpKeepIdle()) + "/" + fmt(config.tcpKeepInterval()) + "/" + config.tcpKeepCount() : "off",
                fmt(config.tcpUserTimeout()));
        return listener;
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** True on one of this server's own threads, which must never wait for the server to stop. */
    public boolean isOwnThread() {
        for (EventLoopGroup g : new EventLoopGroup[] {workerGroup, bossGroup}) {
            for (EventExecutor e : g) {
                if (e.inEventLoop()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** No new connections from now on. */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
    }

    /** Stops the event loops, letting queued tasks run for up to {@code timeout}. */
    public void stopLoops(Duration timeout) {
        workerGroup.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).syncUninterruptibly();
        bossGroup.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS).syncUninterruptibly();
        lifecycle.info("tether stopped");
    }

    /**
     * What the kernel said, without the syscall: epoll reports {@code bind(..) failed with
     * error(-98): Address already in use}, NIO {@code Address already in use}; both become
     * {@code address already in use}.
     */
    private static String bindProblem(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
        return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    /** {@code 127.0.0.1:9501}, {@code [::1]:9501}: an address as people write it (no leading slash). */
    private static String hostPort(InetSocketAddress a) {
        return hostPort(a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress(), a.getPort());
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String fmt(Duration d) {
        return d.isZero() ? "off" : Values.format(d);
    }
}
