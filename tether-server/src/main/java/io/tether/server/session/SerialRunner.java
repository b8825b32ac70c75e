package io.tether.server.session;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one session's events one at a time, in the order they were queued, on a shared executor
 * (or inline on the calling thread, when the executor runs tasks directly): a session's online
 * always comes before its offline, whichever threads raised them.
 */
final class SerialRunner implements Executor {
    private final Executor delegate;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    SerialRunner(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (running.compareAndSet(false, true)) {
            try {
                delegate.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The application's executor is shut down: an offline event must still fire, and a
                // throw here would abort the connection's close bookkeeping. Run it here.
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
            if (tasks.isEmpty() || !running.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
