package io.tether.bench.lean;

import java.util.List;
import java.util.Locale;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * What each object an idle connection keeps costs on this JVM, and why: JOL's instance size and
 * field layout (header, fields, padding) of every class the heap histogram of an idle connection
 * shows, Netty's and Tether's. The histogram says how many; this says what is inside and what a
 * leaner design could drop. Prints markdown:
 * {@code java -cp tether-cli/target/tether.jar io.tether.bench.lean.ObjectLayouts [--fields]}.
 */
public final class ObjectLayouts {
    /** Per idle connection, from the bench's class histograms (instances per connection in brackets where not 1). */
    private static final List<String> CLASSES = List.of(
            "io.netty.channel.epoll.EpollSocketChannel",
            "io.netty.channel.epoll.EpollSocketChannelConfig",
            "io.netty.channel.epoll.EpollSocketChannel$EpollSocketChannelUnsafe",
            "io.netty.channel.epoll.LinuxSocket",
            "io.netty.channel.epoll.EpollIoHandler$DefaultEpollIoRegistration",
            "io.netty.channel.DefaultChannelPipeline",
            "io.netty.channel.DefaultChannelPipeline$HeadContext",
            "io.netty.channel.DefaultChannelPipeline$TailContext",
            "io.netty.channel.DefaultChannelHandlerContext",
            "io.netty.channel.ChannelOutboundBuffer",
            "io.netty.channel.AbstractChannel$CloseFuture",
            "io.netty.channel.VoidChannelPromise",
            "io.netty.channel.DefaultChannelId",
            "io.netty.channel.AdaptiveRecvByteBufAllocator",
            "io.netty.channel.AdaptiveRecvByteBufAllocator$HandleImpl",
            "io.netty.util.internal.AdaptiveCalculator",
            "io.netty.channel.epoll.EpollRecvByteAllocatorStreamingHandle",
            "java.net.InetSocketAddress",
            "java.net.InetSocketAddress$InetSocketAddressHolder",
            "java.net.Inet4Address",
            "java.net.InetAddress$InetAddressHolder",
            "io.tether.server.internal.ServerConnection",
            "io.tether.server.internal.ConnectionCodec",
            "java.util.concurrent.ConcurrentHashMap$Node",
            "java.lang.Long",
            "io.netty.handler.timeout.IdleStateHandler",
            "io.netty.util.concurrent.ScheduledFutureTask",
            "io.netty.handler.codec.LineBasedFrameDecoder");

    private ObjectLayouts() {
    }

    public static void main(String[] args) {
        boolean fields = List.of(args).contains("--fields");
        StringBuilder sb = new StringBuilder("| class | instance B | header B | field B | padding B | fields |\n|---|---:|---:|---:|---:|---|\n");
        StringBuilder detail = new StringBuilder();
        for (String name : CLASSES) {
            Class<?> c;
            try {
                c = Class.forName(name, false, ObjectLayouts.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                sb.append("| `").append(name).append("` | not on this class path | | | | |\n");
                continue;
            }
            ClassLayout l = ClassLayout.parseClass(c);
            long fieldBytes = 0;
            StringBuilder names = new StringBuilder();
            for (FieldLayout f : l.fields()) {
                fieldBytes += f.size();
                if (names.length() > 0) {
                    names.append(", ");
                }
                names.append(f.name()).append(' ').append(f.size());
            }
            long header = l.headerSize();
            sb.append(String.format(Locale.ROOT, "| `%s` | %d | %d | %d | %d | %s |%n", name.substring(name.lastIndexOf('.') + 1),
                    l.instanceSize(), header, fieldBytes, l.instanceSize() - header - fieldBytes, names));
            if (fields) {
                detail.append("\n```\n").append(l.toPrintable()).append("```\n");
            }
        }
        System.out.print(sb);
        System.out.print(detail);
    }
}
