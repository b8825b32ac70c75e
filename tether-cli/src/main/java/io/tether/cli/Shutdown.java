package io.tether.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Ctrl-C and SIGTERM as a graceful stop that exits 0. A plain shutdown hook would run the same
 * cleanup but leave the JVM's exit status at 130/143, which scripts read as a failure.
 */
final class Shutdown {
    /** The server's lifecycle logger: "shutting down" shows at every level, like listening and stopped. */
    private static final Logger log = LoggerFactory.getLogger("io.tether.server.lifecycle");

    private Shutdown() {
    }

    static void onInterrupt(Runnable stop) {
        Runnable once = new Runnable() {
            private boolean done;

            @Override
            public synchronized void run() {
                if (!done) {
                    done = true;
                    log.info("shutting down");
                    stop.run();
                }
            }
        };
        try {
            Signal.handle(new Signal("INT"), s -> new Thread(once, "tether-shutdown").start());
            Signal.handle(new Signal("TERM"), s -> new Thread(once, "tether-shutdown").start());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            Runtime.getRuntime().addShutdownHook(new Thread(once, "tether-shutdown"));
        }
    }
}
