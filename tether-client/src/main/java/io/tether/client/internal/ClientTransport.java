package io.tether.client.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tether.client.ClientConfig;
import io.tether.client.ClientSocketOptions;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native epoll where it loads, NIO otherwise (as the server's transport does). NIO has no socket
 * option for TCP_USER_TIMEOUT, so the fallback logs what it left out rather than silently running
 * with weaker liveness than configured.
 */
public final class ClientTransport {
    private static final Logger log = LoggerFactory.getLogger(ClientTransport.class);
    private static final ClientTransport INSTANCE = select();

    private final boolean epoll;

    private ClientTransport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when available and not turned off with {@code -Dtether.transport=nio}. */
    public static ClientTransport get() {
        return INSTANCE;
    }

    private static ClientTransport select() {
        String wanted = System.getProperty("tether.transport", "auto");
        if (!"nio".equals(wanted) && Epoll.isAvailable()) {
            return new ClientTransport(true);
        }
        if (!"nio".equals(wanted)) {
            log.warn("native epoll unavailable ({}); using NIO", String.valueOf(Epoll.unavailabilityCause()));
        }
        return new ClientTransport(false);
    }

    public boolean isNative() {
        return epoll;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Throws, saying what to do, when {@code group} cannot run this transport's channels. */
    public void checkCompatible(EventLoopGroup group) {
        Class<? extends IoHandle> handle = epoll ? EpollIoHandle.class : NioIoHandle.class;
        if (group.next() instanceof IoEventLoop loop && !loop.isCompatible(handle)) {
            throw new IllegalArgumentException("eventLoopGroup cannot run " + (epoll ? "epoll" : "NIO")
                    + " channels, which this client uses; create the group with TetherClient.newEventLoopGroup(threads)");
        }
    }

    public Class<? extends Channel> channelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Sets the socket options of {@code c} on {@code b}; returns the ones this transport could not apply. */
    public List<String> apply(Bootstrap b, ClientConfig c) {
        List<String> skipped = new ArrayList<>();
        b.option(ChannelOption.TCP_NODELAY, true);
        b.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, c.connectTimeout().toMillis()));
        b.option(ChannelOption.SO_KEEPALIVE, c.tcpKeepalive());
        if (epoll) {
            if (c.tcpKeepalive()) {
                b.option(EpollChannelOption.TCP_KEEPIDLE, (int) c.tcpKeepIdle().toSeconds());
                b.option(EpollChannelOption.TCP_KEEPINTVL, (int) c.tcpKeepInterval().toSeconds());
                b.option(EpollChannelOption.TCP_KEEPCNT, c.tcpKeepCount());
            }
            if (!c.tcpUserTimeout().isZero()) {
                b.option(EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, c.tcpUserTimeout().toMillis()));
            }
        } else {
            if (c.tcpKeepalive()) {
                try {
                    b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), (int) c.tcpKeepIdle().toSeconds());
                    b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), (int) c.tcpKeepInterval().toSeconds());
                    b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), c.tcpKeepCount());
                } catch (RuntimeException | LinkageError e) {
                    skipped.add("tcp_keepidle/tcp_keepinterval/tcp_keepcount (" + e + ")");
                }
            }
            if (!c.tcpUserTimeout().isZero()) {
                skipped.add("tcp_user_timeout (no JDK socket option; needs native epoll)");
            }
        }
        if (!skipped.isEmpty()) {
            log.warn("NIO transport could not apply: {}", String.join(", ", skipped));
        }
        return skipped;
    }

    /** Reads the keepalive options back from the kernel. */
    public static ClientSocketOptions readOptions(Channel ch) {
        if (ch instanceof EpollSocketChannel ec) {
            EpollSocketChannelConfig cfg = ec.config();
            return new ClientSocketOptions(cfg.isKeepAlive(), Duration.ofSeconds(cfg.getTcpKeepIdle()),
                    Duration.ofSeconds(cfg.getTcpKeepIntvl()), cfg.getTcpKeepCnt(),
                    Duration.ofMillis(cfg.getTcpUserTimeout()), true);
        }
        if (ch instanceof NioSocketChannel nc) {
            Integer idle = nioOption(nc, ExtendedSocketOptions.TCP_KEEPIDLE);
            Integer interval = nioOption(nc, ExtendedSocketOptions.TCP_KEEPINTERVAL);
            return new ClientSocketOptions(nc.config().getOption(ChannelOption.SO_KEEPALIVE),
                    idle == null ? null : Duration.ofSeconds(idle), interval == null ? null : Duration.ofSeconds(interval),
                    nioOption(nc, ExtendedSocketOptions.TCP_KEEPCOUNT), null, false);
        }
        return new ClientSocketOptions(null, null, null, null, null, false);
    }

    private static Integer nioOption(NioSocketChannel ch, SocketOption<Integer> opt) {
        try {
            return ch.config().getOption(NioChannelOption.of(opt));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
