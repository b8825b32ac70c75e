package io.tether.server.session;

import io.netty.util.concurrent.ImmediateEventExecutor;
import io.tether.core.close.CloseReason;
import io.tether.server.spi.SessionConnection;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A connection without a socket, for driving the session layer directly: {@link #connection} is a
 * {@link SessionConnection} that runs its event-loop tasks at once on the caller's thread and
 * records what it is told. A proxy, so it needs none of the connection's other types.
 */
final class StubConnection implements InvocationHandler {
    final SessionConnection connection;
    /** WELCOME and other frames, and plain messages as text, in order. */
    final List<Object> written = new CopyOnWriteArrayList<>();
    /** One "reason wireCode" per close. */
    final List<String> closes = new CopyOnWriteArrayList<>();
    private final long id;
    private volatile boolean open = true;

    StubConnection(long id) {
        this.id = id;
        this.connection = (SessionConnection) Proxy.newProxyInstance(SessionConnection.class.getClassLoader(),
                new Class<?>[] {SessionConnection.class}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        switch (method.getName()) {
            case "id":
                return id;
            case "isOpen":
            case "isWritable":
                return open;
            case "executor":
                return ImmediateEventExecutor.INSTANCE;
            case "welcome":
                written.add(args[0]);
                return open;
            case "write":
                written.add(args[0]);
                return null;
            case "flush":
                return null;
            case "send":
            case "sendPlain":
                written.add(args[0] instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : args[0]);
                return CompletableFuture.completedFuture(null);
            case "close":
                open = false;
                closes.add(args == null ? "close()" : ((CloseReason) args[0]).text() + " " + args[2]);
                return null;
            case "toString":
                return "stub connection " + id;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }
}
