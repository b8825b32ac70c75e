package io.tether.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tether.server.ServerConfig;
import io.tether.server.SocketOptions;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native epoll where it loads, NIO otherwise. NIO cannot set every option (TCP_USER_TIMEOUT has
 * no JDK socket option), so the fallback says which ones it had to leave out instead of silently
 * running with weaker liveness than configured.
 */
public final class Transport {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when available (and not turned off with -Dtether.transport=nio), else NIO. */
    public static Transport select() {
        String wanted = System.getProperty("tether.transport", "auto");
        if (!"nio".equals(wanted) && Epoll.isAvailable()) {
            return new Transport(true);
        }
        if (!"nio".equals(wanted)) {
            log.warn("native epoll unavailable ({}); using NIO", String.valueOf(Epoll.unavailabilityCause()));
        }
        return new Transport(false);
    }

    public boolean isNative() {
        return epoll;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> clientChannelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The per-socket options for accepted connections; logs what the transport cannot apply. */
    public Map<ChannelOption<?>, Object> childOptions(ServerConfig c) {
        Map<ChannelOption<?>, Object> o = new java.util.LinkedHashMap<>();
        o.put(ChannelOption.TCP_NODELAY, true);
        // Half-closure lets the pipeline see the peer's FIN as an event, so it is named "peer closed".
        o.put(ChannelOption.ALLOW_HALF_CLOSURE, true);
        o.put(ChannelOption.SO_KEEPALIVE, c.openTcpKeepalive());
        List<String> skipped = new ArrayList<>();
        if (epoll) {
            if (c.openTcpKeepalive()) {
                o.put(EpollChannelOption.TCP_KEEPIDLE, (int) c.tcpKeepIdle().toSeconds());
                o.put(EpollChannelOption.TCP_KEEPINTVL, (int) c.tcpKeepInterval().toSeconds());
                o.put(EpollChannelOption.TCP_KEEPCNT, c.tcpKeepCount());
            }
            if (!c.tcpUserTimeout().isZero()) {
                o.put(EpollChannelOption.TCP_USER_TIMEOUT, (int) c.tcpUserTimeout().toMillis());
            }
        } else {
            if (c.openTcpKeepalive()) {
                putNio(o, ExtendedSocketOptions.TCP_KEEPIDLE, (int) c.tcpKeepIdle().toSeconds(), "tcp_keepidle", skipped);
                putNio(o, ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) c.tcpKeepInterval().toSeconds(), "tcp_keepinterval", skipped);
                putNio(o, ExtendedSocketOptions.TCP_KEEPCOUNT, c.tcpKeepCount(), "tcp_keepcount", skipped);
            }
            if (!c.tcpUserTimeout().isZero()) {
                skipped.add("tcp_user_timeout (no JDK socket option; needs native epoll)");
            }
        }
        if (!skipped.isEmpty()) {
            log.warn("NIO transport could not apply: {}", String.join(", ", skipped));
        }
        return o;
    }

    private static void putNio(Map<ChannelOption<?>, Object> o, SocketOption<Integer> opt, int value, String key,
                               List<String> skipped) {
        try {
            o.put(NioChannelOption.of(opt), value);
        } catch (RuntimeException e) {
            skipped.add(key);
        }
    }

    /** Reads keepalive options back from the kernel. */
    public static SocketOptions readOptions(Channel ch) {
        if (ch instanceof EpollSocketChannel ec) {
            EpollSocketChannelConfig cfg = ec.config();
            return new SocketOptions(cfg.isKeepAlive(), Duration.ofSeconds(cfg.getTcpKeepIdle()),
                    Duration.ofSeconds(cfg.getTcpKeepIntvl()), cfg.getTcpKeepCnt(),
                    Duration.ofMillis(cfg.getTcpUserTimeout()), true);
        }
        if (ch instanceof NioSocketChannel nc) {
            Boolean keepAlive = nc.config().getOption(ChannelOption.SO_KEEPALIVE);
            Integer idle = nioOption(nc, ExtendedSocketOptions.TCP_KEEPIDLE);
            Integer interval = nioOption(nc, ExtendedSocketOptions.TCP_KEEPINTERVAL);
            Integer count = nioOption(nc, ExtendedSocketOptions.TCP_KEEPCOUNT);
            return new SocketOptions(keepAlive, idle == null ? null : Duration.ofSeconds(idle),
                    interval == null ? null : Duration.ofSeconds(interval), count, null, false);
        }
        return new SocketOptions(null, null, null, null, null, false);
    }

    private static Integer nioOption(NioSocketChannel ch, SocketOption<Integer> opt) {
        try {
            return ch.config().getOption(NioChannelOption.of(opt));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
