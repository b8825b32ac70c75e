package io.tether.bench.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.tether.bench.Args;
import io.tether.core.transport.Transport;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The stdin/stdout conversation between a bench server process and the load tool that started
 * it. The server prints {@code READY <port> <pid>} once bound; the tool then sends
 * {@code stats} (answered with one {@code STATS ...} line after a full GC, so heap figures are the
 * live set) or {@code quit}. End of stdin also stops the server, so a dead tool leaves no server
 * behind, and {@code --max-seconds} bounds its life whatever happens.
 */
public final class ServerControl {
    private ServerControl() {
    }

    /**
     * Runs a plain-Netty bench server: binds {@code --host}/{@code --port} (default
     * {@code defaultPort}) with {@code --workers} event loops and {@code childHandler} on each
     * accepted channel, then {@link #serve}s until told to quit, and shuts everything down.
     */
    public static void run(Args args, int defaultPort, ChannelHandler childHandler, IntSupplier connections) throws Exception {
        EventLoopGroup boss = Transport.get().newGroup(1, "bench");
        EventLoopGroup loops = Transport.get().newGroup(args.integer("workers", 1), "bench");
        try {
            Channel server = new ServerBootstrap().group(boss, loops)
                    .channel(Transport.get().serverChannelClass())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true) // rebind at once after a restart, as TetherServer does
                    .childHandler(childHandler)
                    .bind(new InetSocketAddress(args.text("host", "127.0.0.1"), args.integer("port", defaultPort))).sync().channel();
            int bound = ((InetSocketAddress) server.localAddress()).getPort();
            serve(bound, args.longValue("max-seconds", 3600), connections);
            server.close().sync();
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Prints the READY line, then serves commands until quit, EOF or the time limit; returns to let the caller close. */
    public static void serve(int port, long maxSeconds, IntSupplier connections) throws Exception {
        System.out.println("READY " + port + " " + ProcessHandle.current().pid() + " " + Transport.get().name());
        System.out.flush();
        Thread limit = new Thread(() -> {
            try {
                Thread.sleep(maxSeconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("bench server: --max-seconds " + maxSeconds + " reached, exiting");
            System.exit(3);
        }, "max-seconds");
        limit.setDaemon(true);
        limit.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.equals("quit")) {
                break;
            } else if (line.equals("stats")) {
                System.out.println(stats(connections.getAsInt()));
                System.out.flush();
            }
        }
    }

    /** One STATS line: live heap after GC, NIO direct buffers, Netty's own direct counter, connections. */
    static String stats(int connections) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long nioDirect = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                nioDirect = pool.getMemoryUsed();
            }
        }
        long nettyDirect = PlatformDependent.usedDirectMemory();
        return "STATS heap=" + heap + " direct=" + (nioDirect + Math.max(0, nettyDirect))
                + " conns=" + connections;
    }
}
