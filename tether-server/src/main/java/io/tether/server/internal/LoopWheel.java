package io.tether.server.internal;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Ticker;
import io.tether.core.liveness.DeadlineWheel;
import io.tether.core.liveness.WheelTimer;

/**
 * One event loop's deadline wheel and its one-shot timer, armed for the wheel's next due slot only
 * (none while nothing is on it); touched on that loop only (after creation). {@link Liveness} keeps
 * one per loop.
 */
final class LoopWheel {
    final DeadlineWheel<ServerConnection> wheel;
    final WheelTimer<ServerConnection> timer;

    LoopWheel(EventExecutor loop, DeadlineWheel<ServerConnection> wheel, Ticker ticker) {
        this.wheel = wheel;
        // The server's ticker is the loop's own clock unless a test simulates time; then the timer polls.
        boolean loopsClock = loop instanceof AbstractScheduledEventExecutor s && s.ticker() == ticker;
        this.timer = new WheelTimer<>(wheel, loop, ticker::nanoTime, loopsClock);
    }

    /** After a schedule outside the wheel's own advance: make sure the timer fires by the new entry's slot. */
    void ensureTicking() {
        timer.arm();
    }
}
