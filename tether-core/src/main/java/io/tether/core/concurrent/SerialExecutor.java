package io.tether.core.concurrent;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order they were queued, on a shared executor: keeps one
 * connection's (or one session's) events in order while many share the application's pool.
 *
 * <p>If the executor refuses (the application shut it down before the server), the tasks run on
 * the calling thread instead: onClose and offline events are promised exactly once, and a throw
 * here would also abort the server's own close bookkeeping.
 */
public final class SerialExecutor implements Executor {
    private final Executor delegate;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    public SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (running.compareAndSet(false, true)) {
            try {
                delegate.execute(this::drain);
            } catch (RejectedExecutionException e) {
                drain();
            }
        }
    }

    private void drain() {
        for (;;) {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                r.run();
            }
            running.set(false);
            // A task added after the poll above but before the flag dropped would be stranded.
            if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
