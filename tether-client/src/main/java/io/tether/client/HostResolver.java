package io.tether.client;

import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Turns an endpoint into an address to connect to without stalling the event loop: an address or
 * an IP literal at once; a host name on a small pool of helper threads (a DNS query can take
 * seconds, and the loop may be shared by thousands of clients). Resolved at each attempt, so a
 * changed DNS record is picked up on reconnect.
 */
final class HostResolver {
    /** Host-name lookups, off the event loops; threads die after a minute idle. */
    private static final Executor POOL = pool();

    private HostResolver() {
    }

    private static Executor pool() {
        // Up to 4 lookups at once; with an unbounded queue only core threads run, so they time out instead.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory("tether-client-dns", true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * Calls {@code then} with the address to connect to, or with why there is none
     * ({@link UnknownHostException}): before returning for an address or IP literal, later on
     * {@code loop} for a host name.
     */
    static void resolve(InetSocketAddress ep, Executor loop, BiConsumer<InetSocketAddress, Exception> then) {
        if (!ep.isUnresolved()) {
            then.accept(ep, null);
            return;
        }
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(ep.getHostString());
        if (literal != null) {
            InetSocketAddress addr;
            try {
                addr = new InetSocketAddress(InetAddress.getByAddress(ep.getHostString(), literal), ep.getPort());
            } catch (UnknownHostException e) {
                then.accept(null, e); // cannot happen for a parsed literal; fail the attempt rather than the loop
                return;
            }
            then.accept(addr, null);
            return;
        }
        CompletableFuture.supplyAsync(() -> new InetSocketAddress(ep.getHostString(), ep.getPort()), POOL)
                .whenComplete((addr, err) -> loop.execute(() -> {
                    if (err != null || addr.isUnresolved()) {
                        then.accept(null, new UnknownHostException("cannot resolve " + ep.getHostString()
                                + (err != null ? ": " + err.getMessage() : "")));
                    } else {
                        then.accept(addr, null);
                    }
                }));
    }
}
