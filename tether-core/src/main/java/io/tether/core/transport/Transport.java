package io.tether.core.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that knows how sockets are made: native epoll where it loads, NIO otherwise, for
 * the server, the client and the bench alike. NIO cannot set every option (TCP_USER_TIMEOUT has no
 * JDK socket option), so the fallback logs which ones it left out instead of silently running with
 * weaker liveness than configured.
 */
public final class Transport {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private static final Transport INSTANCE = select();

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when available and not turned off with {@code -Dtether.transport=nio}, else NIO. */
    public static Transport get() {
        return INSTANCE;
    }

    /** As {@link #get()}, choosing again (the {@code tether.transport} property may have changed). */
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

    /** {@code epoll} or {@code nio}. */
    public String name() {
        return epoll ? "epoll" : "nio";
    }

    /** An event loop group of this transport, with daemon threads named {@code name-N-M}. */
    public EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Throws, saying what to do, when {@code group} cannot run this transport's channels. */
    public void checkCompatible(EventLoopGroup group) {
        Class<? extends IoHandle> handle = epoll ? EpollIoHandle.class : NioIoHandle.class;
        // Iterate rather than next(): next() would advance the group's chooser, so every client of a
        // shared two-loop group would land on the same loop.
        if (group.iterator().next() instanceof IoEventLoop loop && !loop.isCompatible(handle)) {
            throw new IllegalArgumentException("event loop group cannot run " + (epoll ? "epoll" : "NIO")
                    + " channels; create it with the same transport (TetherClient.newEventLoopGroup)");
        }
    }

    public Class<? extends ServerChannel> serverChannelClass() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends Channel> channelClass() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * The channel options for {@code wanted}, plus TCP_NODELAY (a heartbeat must not wait for
     * Nagle). Logs the options this transport cannot apply.
     */
    public Map<ChannelOption<?>, Object> channelOptions(SocketOptions wanted) {
        Map<ChannelOption<?>, Object> o = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        boolean keepAlive = Boolean.TRUE.equals(wanted.keepAlive());
        Duration userTimeout = wanted.userTimeout() == null ? Duration.ZERO : wanted.userTimeout();
        o.put(ChannelOption.TCP_NODELAY, true);
        o.put(ChannelOption.SO_KEEPALIVE, keepAlive);
        if (epoll) {
            if (keepAlive) {
                o.put(EpollChannelOption.TCP_KEEPIDLE, (int) wanted.keepIdle().toSeconds());
                o.put(EpollChannelOption.TCP_KEEPINTVL, (int) wanted.keepInterval().toSeconds());
                o.put(EpollChannelOption.TCP_KEEPCNT, wanted.keepCount());
            }
            if (!userTimeout.isZero()) {
                o.put(EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis()));
            }
        } else {
            if (keepAlive) {
                putNio(o, ExtendedSocketOptions.TCP_KEEPIDLE, (int) wanted.keepIdle().toSeconds(), "tcp_keepidle", skipped);
                putNio(o, ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) wanted.keepInterval().toSeconds(), "tcp_keepinterval",
                        skipped);
                putNio(o, ExtendedSocketOptions.TCP_KEEPCOUNT, wanted.keepCount(), "tcp_keepcount", skipped);
            }
            if (!userTimeout.isZero()) {
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
        } catch (RuntimeException | LinkageError e) {
            skipped.add(key);
        }
    }

    /** Reads the liveness options back from the kernel. */
    public static SocketOptions read(Channel ch) {
        if (ch instanceof EpollSocketChannel ec) {
            EpollSocketChannelConfig cfg = ec.config();
            return new SocketOptions(cfg.isKeepAlive(), Duration.ofSeconds(cfg.getTcpKeepIdle()),
                    Duration.ofSeconds(cfg.getTcpKeepIntvl()), cfg.getTcpKeepCnt(),
                    Duration.ofMillis(cfg.getTcpUserTimeout()), true);
        }
        if (ch instanceof NioSocketChannel nc) {
            Integer idle = nioOption(nc, ExtendedSocketOptions.TCP_KEEPIDLE);
            Integer interval = nioOption(nc, ExtendedSocketOptions.TCP_KEEPINTERVAL);
            return new SocketOptions(nc.config().getOption(ChannelOption.SO_KEEPALIVE),
                    idle == null ? null : Duration.ofSeconds(idle), interval == null ? null : Duration.ofSeconds(interval),
                    nioOption(nc, ExtendedSocketOptions.TCP_KEEPCOUNT), null, false);
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
