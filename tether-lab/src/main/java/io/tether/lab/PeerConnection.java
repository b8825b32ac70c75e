package io.tether.lab;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One lab client connection on a plain {@link Socket}: connects, speaks its {@link PeerMode}, and
 * reports what it sees. Deliberately not the Tether client SDK: the lab judges the server with a
 * peer whose behaviour is fixed and visible here.
 */
final class PeerConnection {
    private static final int MAX_FRAME = 4 * 1024 * 1024;

    private final String cell;
    private final String host;
    private final int port;
    private final PeerMode mode;
    private final long intervalMs;
    private final int rcvbuf;
    private final Consumer<String> events;
    private final Object writeLock = new Object();
    private volatile Socket socket;
    private volatile long lastPongNanos;
    private volatile boolean pongTimeoutReported;
    private long pingId;

    PeerConnection(String cell, String host, int port, PeerMode mode, long intervalMs, int rcvbuf, Consumer<String> events) {
        this.cell = cell;
        this.host = host;
        this.port = port;
        this.mode = mode;
        this.intervalMs = intervalMs;
        this.rcvbuf = rcvbuf;
        this.events = events;
    }

    /** Connects and starts the reader thread and, for pinging modes, the timer task. */
    void start(ScheduledExecutorService timer) throws IOException {
        // Encode the first bytes before connecting: class loading on a busy box can take seconds,
        // and a connection that stays silent that long after its handshake is not what the lab
        // means to test (a NAT middlebox would even forget it).
        byte[] first;
        if (mode.frames()) {
            ByteBuf b = Unpooled.buffer();
            b.writeBytes(FrameCodec.PREAMBLE);
            FrameCodec.encode(new Frame.Hello("lab-" + cell, mode == PeerMode.FRAME_PING ? intervalMs : 0), b);
            ByteBuf warm = Unpooled.buffer(); // loads the classes the PING/PONG path uses later
            FrameCodec.encode(new Frame.Ping(0), warm);
            FrameCodec.encode(new Frame.Pong(0, true, ""), warm);
            warm.release();
            first = new byte[b.readableBytes()];
            b.readBytes(first);
        } else {
            first = "hello\n".getBytes(StandardCharsets.UTF_8);
        }
        Socket s = new Socket();
        if (rcvbuf > 0) {
            // Set before connect so the window scale is negotiated for it; a small buffer makes the
            // zero-window scenario reach a zero window within milliseconds.
            s.setReceiveBufferSize(rcvbuf);
        }
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), 5000);
        socket = s;
        synchronized (writeLock) {
            s.getOutputStream().write(first);
        }
        lastPongNanos = System.nanoTime();
        events.accept(Json.object("ev", "connected", "cell", cell, "t", System.nanoTime(), "local", String.valueOf(s.getLocalSocketAddress())));
        Thread reader = new Thread(() -> read(s), "peer-read-" + cell);
        reader.setDaemon(true);
        reader.start();
        if (mode == PeerMode.DATA || mode == PeerMode.LINE_PING || mode == PeerMode.FRAME_PING) {
            timer.scheduleAtFixedRate(this::tick, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        Socket s = socket;
        if (s == null || s.isClosed()) {
            return;
        }
        try {
            switch (mode) {
                case DATA:
                    write("data " + (++pingId) + "\n");
                    break;
                case LINE_PING:
                    write("ping\n");
                    break;
                case FRAME_PING:
                    ByteBuf b = Unpooled.buffer();
                    FrameCodec.encode(new Frame.Ping(++pingId), b);
                    write(b);
                    // The client-side view of the same failure: no PONG for three intervals.
                    if (!pongTimeoutReported && System.nanoTime() - lastPongNanos > TimeUnit.MILLISECONDS.toNanos(3 * intervalMs)) {
                        pongTimeoutReported = true;
                        events.accept(Json.object("ev", "pongtimeout", "cell", cell, "t", System.nanoTime()));
                    }
                    break;
                default:
                    break;
            }
        } catch (IOException e) {
            closed("write: " + e.getMessage());
        }
    }

    private void read(Socket s) {
        byte[] buf = new byte[16 * 1024];
        ByteBuf acc = Unpooled.buffer();
        try {
            InputStream in = s.getInputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (mode.frames()) {
                    acc.writeBytes(buf, 0, n);
                    Frame f;
                    while ((f = FrameCodec.decode(acc, MAX_FRAME)) != null) {
                        onFrame(f);
                    }
                    acc.discardReadBytes();
                } else if (n > 0) {
                    lastPongNanos = System.nanoTime();
                }
            }
            closed("eof");
        } catch (IOException | RuntimeException e) {
            closed("read: " + e.getMessage());
        } finally {
            acc.release();
        }
    }

    private void onFrame(Frame f) throws IOException {
        lastPongNanos = System.nanoTime();
        if (f instanceof Frame.Ping p) {
            ByteBuf b = Unpooled.buffer();
            FrameCodec.encode(new Frame.Pong(p.id(), true, ""), b);
            write(b);
        } else if (f instanceof Frame.Close c) {
            events.accept(Json.object("ev", "closeframe", "cell", cell, "code", c.code(), "reason", c.reason()));
        }
    }

    private void write(String text) throws IOException {
        synchronized (writeLock) {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void write(ByteBuf b) throws IOException {
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        synchronized (writeLock) {
            socket.getOutputStream().write(bytes);
        }
    }

    private void closed(String why) {
        events.accept(Json.object("ev", "closed", "cell", cell, "why", why, "t", System.nanoTime()));
        close();
    }

    /** Orderly close: FIN (nothing unread is left behind by a reader that drains the socket). */
    void close() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing is best effort; the lab watches the server side.
            }
        }
    }
}
