package io.tether.client;

import java.time.Duration;

/**
 * Hears what happens to a {@link TetherClient}. Calls come from the client's event loop, one at a
 * time and in order; they must not block (hand slow work to an executor).
 */
public interface ClientListener {

    /** Every state transition, with its reason. */
    default void onStateChange(StateChange change) {
    }

    /**
     * The heartbeat interval changed after the server said the client pings too often (NOTICE
     * TOO_MANY_PINGS or CLOSE 1011). The new interval is kept for later connections too.
     */
    default void onPingIntervalChanged(Duration from, Duration to, String why) {
    }

    /**
     * With {@link ClientConfig.Builder#resume}: a connection is ready on a sequenced session, either
     * {@code resumed} (same server-side session, missed messages replayed both ways) or new (log in
     * again: the server's state for the old session is gone).
     */
    default void onSessionReady(boolean resumed) {
    }
}
