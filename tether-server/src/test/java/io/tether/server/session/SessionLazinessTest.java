package io.tether.server.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.server.Connection;
import io.tether.server.ServerConfig;
import io.tether.server.spi.SessionConnection;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session creates its parts on first use: drives the session layer the way a connection does
 * (no sockets) and looks at what the session object holds.
 */
class SessionLazinessTest {
    private final SessionManager layer = new SessionManager(ServerConfig.builder().openSessions(true).build(), null);

    @AfterEach
    void stop() {
        layer.shutdown();
    }

    @Test
    void anIdleLineSessionHoldsOnlyItsLayerConnectionAndState() throws Exception {
        StubConnection stub = new StubConnection(7);
        SessionConnection conn = stub.connection;
        layer.opened(conn); // what a line connection does when it is ready
        SessionImpl s = (SessionImpl) layer.of(conn);

        assertThat(nonNullReferenceFields(s)).containsExactlyInAnyOrder("layer", "conn", "state");
        for (String lazy : List.of("attributes", "groups", "stream", "resumption", "eventsQueued", "userId", "end")) {
            assertThat(field(s, lazy)).as(lazy).isNull();
        }
        // Asking does not create them either.
        assertThat(s.groups()).isEmpty();
        assertThat(s.resumable()).isFalse();
        assertThat(s.resumes()).isZero();
        assertThat(s.unacked()).isZero();
        assertThat(s.leave("nothing")).isFalse();
        assertThat(nonNullReferenceFields(s)).containsExactlyInAnyOrder("layer", "conn", "state");

        // Ending it creates nothing: no attributes or groups to clear, no event queue (no contention).
        layer.closed(conn, new CloseInfo(CloseReason.PEER_RESET, Duration.ZERO, ""), false);
        assertThat(s.state()).isEqualTo(Session.State.ENDED);
        assertThat(nonNullReferenceFields(s)).containsExactlyInAnyOrder("layer", "state", "end");
    }

    @Test
    void attributesAndGroupsAppearOnFirstUseAndStay() throws Exception {
        StubConnection stub = new StubConnection(8);
        SessionConnection conn = stub.connection;
        layer.opened(conn);
        SessionImpl s = (SessionImpl) layer.of(conn);

        s.attributes().put("hp", 42);
        assertThat(field(s, "attributes")).isNotNull().isSameAs(s.attributes());
        assertThat(field(s, "groups")).isNull();
        assertThat(s.join("lobby")).isTrue();
        assertThat(s.groups()).containsExactly("lobby");
        assertThat(layer.members("lobby")).containsExactly(s);

        s.close();
        assertThat(stub.closes).containsExactly("closed by server " + EndReason.CLOSED_BY_SERVER.wireCode());
        assertThat(s.attributes()).isEmpty(); // cleared after offline, the same map
        assertThat(field(s, "attributes")).isSameAs(s.attributes());
        assertThat(s.groups()).isEmpty();
        assertThat(layer.members("lobby")).isEmpty();
    }

    @Test
    void aSequencedSessionHasItsStreamAndResumeStateButNoReplayQueueUntilItSends() throws Exception {
        StubConnection stub = new StubConnection(9);
        SessionConnection conn = stub.connection;
        layer.hello(conn, new Frame.Hello("c", 0, null, 0), plainWelcome(9));
        SessionImpl s = (SessionImpl) layer.of(conn);
        assertThat(s.resumable()).isTrue();
        Object stream = field(s, "stream");
        assertThat(stream).isNotNull();
        assertThat(field(s, "resumption")).isNotNull();
        Object out = field(stream, "out");
        assertThat(field(out, "entries")).isNull();
        assertThat(field(s, "attributes")).isNull();

        assertThat(s.send("one")).isTrue();
        assertThat(field(out, "entries")).isNotNull();
        assertThat(stub.written).contains(Frame.SeqData.of(1, "one"));
        assertThat(s.unacked()).isOne();
    }

    @Test
    void aPlainFrameSessionHasNoStreamAndNoResumeState() throws Exception {
        StubConnection stub = new StubConnection(10);
        SessionConnection conn = stub.connection;
        layer.hello(conn, new Frame.Hello("c", 0), plainWelcome(10));
        SessionImpl s = (SessionImpl) layer.of(conn);
        assertThat(nonNullReferenceFields(s)).containsExactlyInAnyOrder("layer", "conn", "state");
        assertThat(s.send("plain")).isTrue();
        assertThat(stub.written).contains("plain");
    }

    @Test
    void idsRoundTripAndOnlyRealIdsMatch() {
        StubConnection stub = new StubConnection(11);
        SessionConnection conn = stub.connection;
        layer.opened(conn);
        Session s = layer.of(conn);
        assertThat(s.id()).matches("s[1-9][0-9]*");
        assertThat(layer.get(s.id())).isSameAs(s);
        String n = s.id().substring(1);
        for (String other : List.of("s0" + n, "s+" + n, "x" + n, "s", "", "s" + n + "0", "s99999999999999999999", "S" + n)) {
            assertThat(layer.get(other)).as(other).isNull();
        }
    }

    @Test
    void eventsOfOneSessionRunOneAtATimeInOrderOnTheThreadAlreadyDeliveringThem() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CountDownLatch inOnline = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        layer.addListener(new PresenceListener() {
            @Override
            public void onOnline(Session s, Connection c) {
                events.add("online on " + Thread.currentThread().getName());
                inOnline.countDown();
                await(release);
            }

            @Override
            public void onOffline(Session s, SessionEnd end) {
                events.add("offline on " + Thread.currentThread().getName());
            }
        });
        StubConnection stub = new StubConnection(12);
        SessionConnection conn = stub.connection;
        Thread loop = new Thread(() -> layer.opened(conn), "loop");
        loop.start();
        assertThat(inOnline.await(5, TimeUnit.SECONDS)).isTrue();
        Session s = layer.of(conn);

        s.close(); // on this thread, while onOnline is still running on "loop": queued, not run here
        assertThat(events).containsExactly("online on loop");
        assertThat(field(s, "eventsQueued")).isNotNull();

        release.countDown();
        loop.join(5000);
        assertThat(events).containsExactly("online on loop", "offline on loop");
        assertThat(field(s, "eventsQueued")).isNull(); // dropped once drained
        assertThat(field(s, "eventsRunning")).isEqualTo(false);
    }

    private static Frame.Welcome plainWelcome(long connectionId) {
        return new Frame.Welcome(connectionId, 0, 0, 0, 0, 65536, "test", null, false, Frame.Hello.NOT_SEQUENCED);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Names of the instance fields of reference type that are not null. */
    private static List<String> nonNullReferenceFields(Object o) throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Class<?> c = o.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                    f.setAccessible(true);
                    if (f.get(o) != null) {
                        names.add(f.getName());
                    }
                }
            }
        }
        return names;
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
