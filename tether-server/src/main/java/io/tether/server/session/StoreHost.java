package io.tether.server.session;

import java.util.List;

/** The server's side of a {@link SessionStore}: the calls it makes back into sessions. */
final class StoreHost implements SessionStore.Host {
    private final SessionManager layer;

    StoreHost(SessionManager layer) {
        this.layer = layer;
    }

    @Override
    public void learned(Session session, long seq, List<byte[]> payloads) {
        SequencedStream stream = ((SessionImpl) session).stream();
        long n = seq;
        for (byte[] p : payloads) {
            if (!stream.accept(n++, p)) {
                return;
            }
        }
    }

    @Override
    public long release(Session session) {
        SessionImpl s = (SessionImpl) session;
        if (layer.registry.get(s.id()) != s || !s.end(EndReason.MOVED, "resumed on another node", null)) {
            return -1;
        }
        return s.stream().lastReceived();
    }
}
