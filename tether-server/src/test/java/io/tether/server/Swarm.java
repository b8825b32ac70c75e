package io.tether.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Many client sockets driven by one thread and a NIO selector, as an attacker would run them: each
 * connects and writes its opening bytes; the test may then start it trickling (some bytes, then one
 * more every {@code trickleEvery}). Each records what it reads and when the server closed it.
 * Thousands of sockets cost one thread.
 */
final class Swarm implements AutoCloseable {
    /** One socket of the swarm and what happened to it; times are System.nanoTime(). */
    static final class Peer {
        final byte[] opening;
        boolean trickles;
        SocketChannel channel;
        long connectCalledNanos;
        /** Just before its opening bytes were written. */
        long openedNanos;
        /** Just before the bytes given to {@link Swarm#start} were written. */
        long startedNanos;
        /** Its own port, once connected: the server's ConnectionInfo.remoteAddress() port. */
        int localPort;
        /** When the server's close was seen (EOF or reset); 0 while open. */
        long closedNanos;
        int trickled;
        long nextTrickleNanos;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        String error;

        Peer(byte[] opening, boolean trickles) {
            this.opening = opening;
            this.trickles = trickles;
        }

        boolean closed() {
            return closedNanos != 0;
        }

        /** The frames the server sent, in order. */
        List<Frame> frames() {
            List<Frame> out = new ArrayList<>();
            ByteBuf b = Unpooled.wrappedBuffer(received.toByteArray());
            try {
                Frame f;
                while ((f = FrameCodec.decode(b, Integer.MAX_VALUE)) != null) {
                    out.add(f);
                }
            } catch (ProtocolException e) {
                out.add(null);
            } finally {
                b.release();
            }
            return out;
        }

        /** The last frame the server sent, if a CLOSE. */
        Frame.Close closeFrame() {
            List<Frame> f = frames();
            return !f.isEmpty() && f.get(f.size() - 1) instanceof Frame.Close c ? c : null;
        }
    }

    private final Selector selector;
    private final List<Peer> peers = new ArrayList<>();
    private final long trickleNanos;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer oneByte = ByteBuffer.allocate(1);

    Swarm(Duration trickleEvery) throws IOException {
        this.selector = Selector.open();
        this.trickleNanos = trickleEvery.toNanos();
    }

    /** Starts connecting a peer; its opening bytes go out once connected. */
    Peer connect(InetSocketAddress server, byte[] opening) throws IOException {
        Peer p = new Peer(opening, false);
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        p.channel = ch;
        p.connectCalledNanos = System.nanoTime();
        if (ch.connect(server)) {
            opened(p);
            ch.register(selector, SelectionKey.OP_READ, p);
        } else {
            ch.register(selector, SelectionKey.OP_CONNECT, p);
        }
        peers.add(p);
        return p;
    }

    List<Peer> peers() {
        return peers;
    }

    /** Writes {@code bytes} to a connected peer now, and from now on one more byte every trickle period. */
    void startTrickling(Peer p, byte[] bytes) throws IOException {
        p.startedNanos = System.nanoTime();
        ByteBuffer b = ByteBuffer.wrap(bytes);
        p.channel.write(b);
        if (b.hasRemaining()) {
            throw new IllegalStateException("bytes not written at once");
        }
        p.trickles = true;
        p.nextTrickleNanos = p.startedNanos + trickleNanos;
    }

    /** Runs the swarm until every peer was closed by the server, or {@code atMost} has passed; returns the open ones. */
    long runUntilAllClosed(Duration atMost) throws IOException {
        runUntil(() -> peers.stream().allMatch(Peer::closed), atMost);
        return peers.stream().filter(p -> !p.closed()).count();
    }

    /** Runs the swarm until {@code done} holds, or {@code atMost} has passed; returns whether it holds. */
    boolean runUntil(java.util.function.BooleanSupplier done, Duration atMost) throws IOException {
        long end = System.nanoTime() + atMost.toNanos();
        boolean ok;
        while (!(ok = done.getAsBoolean()) && System.nanoTime() - end < 0) {
            selector.select(10);
            for (SelectionKey k : selector.selectedKeys()) {
                Peer p = (Peer) k.attachment();
                if (!k.isValid()) {
                    continue;
                }
                if (k.isConnectable()) {
                    try {
                        p.channel.finishConnect();
                        opened(p);
                        k.interestOps(SelectionKey.OP_READ);
                    } catch (IOException e) {
                        p.error = "connect: " + e;
                        closed(p, k);
                    }
                } else if (k.isReadable()) {
                    read(p, k);
                }
            }
            selector.selectedKeys().clear();
            trickle();
        }
        return ok;
    }

    private void opened(Peer p) throws IOException {
        p.openedNanos = System.nanoTime();
        p.localPort = ((InetSocketAddress) p.channel.getLocalAddress()).getPort();
        ByteBuffer b = ByteBuffer.wrap(p.opening);
        p.channel.write(b); // a few hundred bytes: the socket's send buffer takes them at once
        if (b.hasRemaining()) {
            throw new IllegalStateException("opening bytes not written at once");
        }
    }

    private void read(Peer p, SelectionKey k) {
        try {
            int n;
            while ((n = p.channel.read(readBuffer.clear())) > 0) {
                p.received.write(readBuffer.array(), 0, n);
            }
            if (n < 0) {
                closed(p, k);
            }
        } catch (IOException e) {
            p.error = e.toString(); // a reset: the server closed with bytes of ours unread
            closed(p, k);
        }
    }

    private void trickle() {
        long now = System.nanoTime();
        for (Peer p : peers) {
            if (p.trickles && !p.closed() && now - p.nextTrickleNanos >= 0) {
                try {
                    p.channel.write(oneByte.clear().put(0, (byte) 'x'));
                    p.trickled++;
                } catch (IOException e) {
                    // The server has closed it; the read side records how.
                }
                p.nextTrickleNanos += trickleNanos;
            }
        }
    }

    private static void closed(Peer p, SelectionKey k) {
        p.closedNanos = System.nanoTime();
        k.cancel();
        try {
            p.channel.close();
        } catch (IOException ignored) {
            // closing a socket the server already closed
        }
    }

    @Override
    public void close() throws IOException {
        for (Peer p : peers) {
            p.channel.close();
        }
        selector.close();
    }
}
