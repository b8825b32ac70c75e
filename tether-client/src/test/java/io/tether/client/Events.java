package io.tether.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a client reports, with the nanoTime of each report. */
final class Events implements ClientListener, MessageHandler {
    record Timed<T>(long atNanos, T value) {
    }

    final List<Timed<StateChange>> changes = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    final List<String> pingChanges = new CopyOnWriteArrayList<>();

    @Override
    public void onStateChange(StateChange change) {
        changes.add(new Timed<>(System.nanoTime(), change));
    }

    @Override
    public void onPingIntervalChanged(Duration from, Duration to, String why) {
        pingChanges.add(from.toMillis() + "->" + to.toMillis() + " " + why);
    }

    @Override
    public void onMessage(TetherClient client, byte[] message) {
        messages.add(new String(message, java.nio.charset.StandardCharsets.UTF_8));
    }

    List<StateChange> list() {
        List<StateChange> out = new ArrayList<>();
        changes.forEach(t -> out.add(t.value()));
        return out;
    }

    /** The first change into {@code to} after index {@code from}, or null. */
    Timed<StateChange> first(ClientState to, int fromIndex) {
        for (int i = fromIndex; i < changes.size(); i++) {
            if (changes.get(i).value().to() == to) {
                return changes.get(i);
            }
        }
        return null;
    }
}
