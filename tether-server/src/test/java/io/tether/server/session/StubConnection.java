package io.tether.server.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.ConnectionInfo;
import io.tether.server.Framing;
import io.tether.server.SocketOptions;
import io.tether.server.spi.SessionConnection;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** A connection without a socket, for driving the session layer directly; records what it is told. */
final class StubConnection implements SessionConnection {
    final List<Object> written = new CopyOnWriteArrayList<>();
    final List<String> closes = new CopyOnWriteArrayList<>();
    private final long id;
    private volatile boolean open = true;

    StubConnection(long id) {
        this.id = id;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public CompletableFuture<Void> send(byte[] message) {
        return sendPlain(message);
    }

    @Override
    public CompletableFuture<Void> send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        close(CloseReason.CLOSED_BY_SERVER, "", 0);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public Framing framing() {
        return Framing.LINE;
    }

    @Override
    public ConnectionInfo info() {
        throw new UnsupportedOperationException();
    }

    @Override
    public SocketOptions socketOptions() {
        throw new UnsupportedOperationException();
    }

    /** Runs tasks at once, on the caller's thread. */
    @Override
    public EventExecutor executor() {
        return ImmediateEventExecutor.INSTANCE;
    }

    @Override
    public boolean welcome(Frame.Welcome welcome) {
        written.add(welcome);
        return open;
    }

    @Override
    public void write(Frame frame) {
        written.add(frame);
    }

    @Override
    public void flush() {
    }

    @Override
    public CompletableFuture<Void> sendPlain(byte[] message) {
        written.add(new String(message, StandardCharsets.UTF_8));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close(CloseReason reason, String detail, int wireCode) {
        open = false;
        closes.add(reason.text() + " " + wireCode);
    }
}
