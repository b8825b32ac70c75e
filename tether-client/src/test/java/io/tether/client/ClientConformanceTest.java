package io.tether.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBufUtil;
import io.tether.core.backoff.Backoff;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client SDK's side of the rules docs/PROTOCOL.md states exactly (its "Conformance" section
 * names each test here), against a scripted server on a real socket: what a server only does when
 * it is broken, or what only a server in another language would do.
 */
@Timeout(60)
class ClientConformanceTest {
    private static final byte[] TOKEN = ByteBufUtil.decodeHexDump("000102030405060708090a0b0c0d0e0f");

    private final List<String> received = new CopyOnWriteArrayList<>();
    private final List<StateChange> changes = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private FakeServer fake() throws IOException {
        FakeServer f = new FakeServer();
        cleanup.add(f);
        return f;
    }

    private TetherClient client(FakeServer fake, boolean resume) {
        ClientConfig config = ClientConfig.builder().endpoint(fake.endpoint()).resume(resume)
                .heartbeatInterval(Duration.ZERO) // no pings of its own: the script reads exactly what the rule makes it send
                .backoff(Backoff.builder().initial(Duration.ofMillis(20)).max(Duration.ofMillis(20)).jitter(Backoff.Jitter.NONE).build())
                .build();
        TetherClient c = TetherClient.builder().config(config)
                .handler((client, m) -> received.add(new String(m)))
                .listener(new ClientListener() {
                    @Override
                    public void onStateChange(StateChange change) {
                        changes.add(change);
                    }
                }).build().start();
        cleanup.add(c);
        return c;
    }

    private static Frame.Welcome welcome(long maxFrame, byte[] token, boolean resumed, long receivedSeq) {
        return new Frame.Welcome(1, 0, 0, 10_000, 0, maxFrame, "scripted", token, resumed, receivedSeq);
    }

    private static Frame.Welcome plainWelcome(long maxFrame) {
        return new Frame.Welcome(1, 0, 0, 10_000, 0, maxFrame, "scripted", null, false);
    }

    /** Reads frames until the client closes the socket; returns them. */
    private static List<Frame> untilEof(FakeServer.Peer p) throws IOException {
        List<Frame> got = new ArrayList<>();
        try {
            while (true) {
                got.add(p.read());
            }
        } catch (EOFException e) {
            return got;
        }
    }

    private void awaitConnected(TetherClient c) {
        await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
    }

    // ------------------------------------------------------------------ liveness

    /** A server PING is answered with PONG(same id, status 0, no detail); a NOTICE of a code the client does not know is ignored. */
    @Test
    void aServerPingIsAnsweredWithStatus0AndNoDetail() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, false);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(plainWelcome(1 << 20));
            p.send(new Frame.Notice(99, 1, "from a later version"));
            p.send(new Frame.Ping(42));
            assertThat(p.read()).isEqualTo(new Frame.Pong(42, true, ""));
            assertThat(c.state()).isEqualTo(ClientState.CONNECTED);
        }
    }

    // ------------------------------------------------------------------ closing

    /** The client's own close sends CLOSE 1007 and closes; it expects no CLOSE back. */
    @Test
    void closingSends1007() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, false);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(plainWelcome(1 << 20));
            awaitConnected(c);
            c.close();
            assertThat(untilEof(p)).containsExactly(new Frame.Close(1007, "closed by client"));
        }
    }

    /** A server CLOSE is not answered with one; a code this version does not know is reported as 1099 error. */
    @Test
    void aServerCloseIsNeverEchoedAndAnUnknownCodeIsError() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, false);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(plainWelcome(1 << 20));
            awaitConnected(c);
            p.send(new Frame.Close(4242, "odd"));
            assertThat(untilEof(p)).as("nothing back").isEmpty();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> changes.stream().anyMatch(x -> x.closeInfo() != null));
        StateChange lost = changes.stream().filter(x -> x.closeInfo() != null).findFirst().orElseThrow();
        assertThat(lost.closeInfo().reason()).isEqualTo(CloseReason.ERROR);
        assertThat(lost.closeInfo().detail()).isEqualTo("odd");
    }

    // ------------------------------------------------------------------ WELCOME

    /** A WELCOME lacking a required field, or with a known field twice, is a protocol error the client tells the server (1008). */
    @Test
    void aMalformedWelcomeIsAProtocolErrorToldToTheServer() throws Exception {
        FakeServer fake = fake();
        client(fake, false);
        try (FakeServer.Peer p = fake.accept()) {
            // fields 1 to 5, no 6 (max frame length)
            p.out.write(ByteBufUtil.decodeHexDump("0200000027" + "0100080000000000000001" + "02000400000000" + "03000400000000"
                    + "04000400002710" + "05000400000000"));
            p.out.flush();
            assertThat(untilEof(p)).containsExactly(new Frame.Close(1008, "protocol error: WELCOME lacks field 6 (max frame length)"));
        }
        try (FakeServer.Peer p = fake.accept()) { // the next attempt
            p.out.write(ByteBufUtil.decodeHexDump("0200000035" + "0100080000000000000001" + "02000400000000" + "03000400000000"
                    + "04000400002710" + "05000400000000" + "06000400100000" + "02000400000000"));
            p.out.flush();
            assertThat(untilEof(p)).containsExactly(new Frame.Close(1008, "protocol error: WELCOME field 2 appears twice"));
        }
    }

    // ------------------------------------------------------------------ frame sizes

    /** WELCOME field 6 bounds the frame's payload: a DATA message up to it, a SEQ_DATA message up to it less 8. */
    @Test
    void theServersFrameLimitCountsTheSequenceNumber() throws Exception {
        FakeServer fake = fake();
        TetherClient plain = client(fake, false);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(plainWelcome(1024));
            awaitConnected(plain);
            plain.send(new byte[1024]).get(5, TimeUnit.SECONDS);
            assertThat(p.read()).isEqualTo(new Frame.Data(new byte[1024]));
            assertThatThrownBy(() -> plain.send(new byte[1025]).get(5, TimeUnit.SECONDS)).cause().isInstanceOf(MessageTooLargeException.class)
                    .hasMessage("message of 1025 bytes exceeds the server's package_max_length 1024 (told in WELCOME)");
        }
        FakeServer fake2 = fake();
        TetherClient sequenced = client(fake2, true);
        try (FakeServer.Peer p = fake2.accept()) {
            p.send(welcome(1024, TOKEN, false, 0));
            awaitConnected(sequenced);
            CompletableFuture<Void> fits = sequenced.send(new byte[1016]);
            assertThat(p.read()).isEqualTo(new Frame.SeqData(1, new byte[1016]));
            p.send(new Frame.Ack(1));
            fits.get(5, TimeUnit.SECONDS);
            assertThatThrownBy(() -> sequenced.send(new byte[1017]).get(5, TimeUnit.SECONDS)).cause().isInstanceOf(MessageTooLargeException.class)
                    .hasMessageStartingWith("message of 1017 bytes exceeds the server's largest sequenced message, 1016 bytes");
        }
    }

    /** The HELLO must fit the protocol's 4096 bytes: a client name that cannot is refused when the config is built. */
    @Test
    void aClientNameMustLeaveTheHelloWithin4096Bytes() {
        ClientConfig.Builder b = ClientConfig.builder().endpoint("127.0.0.1:9501");
        assertThat(b.clientName("n".repeat(4056)).build().clientName()).hasSize(4056);
        assertThatThrownBy(() -> b.clientName("n".repeat(4057)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("clientName is too long: its HELLO would be 4097 bytes");
    }

    // ------------------------------------------------------------------ sessions

    /**
     * A gap in the server's sequence numbers: the client sends CLOSE 1008 and ends its session (as the
     * server does for a client's gap): the next HELLO starts a new one, and what the old one had not
     * acknowledged fails with ConnectionLostException.
     */
    @Test
    void aSequenceGapFromTheServerEndsTheSession() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, true);
        CompletableFuture<Void> unacked;
        try (FakeServer.Peer p = fake.accept()) {
            assertThat(p.hello.hasResumeToken()).isFalse();
            assertThat(p.hello.receivedSeq()).isZero();
            p.send(welcome(1 << 20, TOKEN, false, 0));
            awaitConnected(c);
            unacked = c.send("x");
            assertThat(p.read()).isEqualTo(Frame.SeqData.of(1, "x"));
            p.send(Frame.SeqData.of(1, "a"));
            p.send(Frame.SeqData.of(3, "c"));
            List<Frame> got = untilEof(p);
            assertThat(got).last().isEqualTo(new Frame.Close(1008, "protocol error: SEQ_DATA 3 after 1: sequence numbers must not skip"));
        }
        try (FakeServer.Peer p = fake.accept()) {
            assertThat(p.hello.hasResumeToken()).as("a new session, not a resume").isFalse();
            assertThat(p.hello.receivedSeq()).isZero();
            p.send(welcome(1 << 20, ByteBufUtil.decodeHexDump("ff".repeat(16)), false, 0));
            assertThatThrownBy(() -> unacked.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(ConnectionLostException.class);
        }
        assertThat(received).containsExactly("a");
    }

    /** An ACK of a number never sent breaks the protocol on the client too: CLOSE 1008, and a new session next. */
    @Test
    void anAckForMessagesNeverSentEndsTheSession() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, true);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(welcome(1 << 20, TOKEN, false, 0));
            awaitConnected(c);
            p.send(new Frame.Ack(5));
            assertThat(untilEof(p)).containsExactly(new Frame.Close(1008, "protocol error: ACK 5 for messages never sent (last sent 0)"));
        }
        try (FakeServer.Peer p = fake.accept()) {
            assertThat(p.hello.hasResumeToken()).isFalse();
        }
    }

    /** After WELCOME a server's CLOSE 1008 (or 1011) ends the session: no resume; an idle timeout (1002) does not. */
    @Test
    void whichServerCloseEndsTheSession() throws Exception {
        FakeServer fake = fake();
        TetherClient c = client(fake, true);
        try (FakeServer.Peer p = fake.accept()) {
            p.send(welcome(1 << 20, TOKEN, false, 0));
            awaitConnected(c);
            p.send(Frame.SeqData.of(1, "a"));
            assertThat(p.read()).isEqualTo(new Frame.Ack(1));
            p.send(new Frame.Close(1002, "idle timeout"));
        }
        byte[] next = ByteBufUtil.decodeHexDump("10".repeat(16));
        try (FakeServer.Peer p = fake.accept()) {
            assertThat(p.hello.resumeToken()).as("1002: a blip, resumed").isEqualTo(TOKEN);
            assertThat(p.hello.receivedSeq()).isEqualTo(1);
            p.send(welcome(1 << 20, next, true, 0));
            await().atMost(Duration.ofSeconds(5)).until(() -> c.state() == ClientState.CONNECTED);
            p.send(new Frame.Close(1008, "protocol error: something"));
        }
        try (FakeServer.Peer p = fake.accept()) {
            assertThat(p.hello.hasResumeToken()).as("1008 after WELCOME: the server ended the session").isFalse();
            assertThat(p.hello.receivedSeq()).isZero();
        }
    }

    /**
     * A resume refused with CLOSE 1104, or 1106 (session cannot be recovered), ends the session at
     * once: what it had not acknowledged fails with ConnectionLostException before any new session
     * starts (it is not resent), and the next HELLO asks for a new session.
     */
    @Test
    void aResumeRefusedWith1104Or1106FailsWhatTheSessionHadNotAcknowledged() throws Exception {
        for (int code : new int[] {1104, 1106}) {
            FakeServer fake = fake();
            TetherClient c = client(fake, true);
            CompletableFuture<Void> unacked;
            try (FakeServer.Peer p = fake.accept()) {
                p.send(welcome(1 << 20, TOKEN, false, 0));
                awaitConnected(c);
                unacked = c.send("x");
                assertThat(p.read()).isEqualTo(Frame.SeqData.of(1, "x"));
            } // closed without a CLOSE frame: a blip, to resume from
            try (FakeServer.Peer p = fake.accept()) {
                assertThat(p.hello.resumeToken()).as("CLOSE %d: resumes first", code).isEqualTo(TOKEN);
                assertThat(unacked).as("waits for the resume").isNotDone();
                p.send(new Frame.Close(code, "resume refused: scripted"));
                assertThatThrownBy(() -> unacked.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(ConnectionLostException.class).hasMessageContaining("CLOSE " + code);
            }
            try (FakeServer.Peer p = fake.accept()) {
                assertThat(p.hello.hasResumeToken()).as("CLOSE %d: a new session next", code).isFalse();
            }
        }
    }

    // ------------------------------------------------------------------ confirm

    /**
     * ClientConfig.confirm on a plain session: a message's future completes on the PONG of a PING
     * sent after it, not on an earlier ping's; messages written before one PING share it; the next
     * PING comes no sooner than the WELCOME's minimum ping interval after the previous one; a
     * connection that ends first fails what is not confirmed, saying so.
     */
    @Test
    void confirmCompletesOnThePongOfAPingSentAfterTheMessage() throws Exception {
        FakeServer fake = fake();
        ClientConfig config = ClientConfig.builder().endpoint(fake.endpoint()).confirm(true)
                .heartbeatInterval(Duration.ZERO) // only confirmation pings
                .backoff(Backoff.builder().initial(Duration.ofSeconds(10)).build()).build();
        TetherClient c = TetherClient.builder().config(config).build().start();
        cleanup.add(c);
        long minPingMs = 300;
        try (FakeServer.Peer p = fake.accept()) {
            p.send(new Frame.Welcome(1, 0, 0, 10_000, minPingMs, 1 << 20, "scripted", null, false));
            awaitConnected(c);
            CompletableFuture<Void> x = c.send("x");
            assertThat(p.read()).isEqualTo(Frame.Data.of("x"));
            Frame first = p.read();
            long firstAt = System.nanoTime();
            assertThat(first).isInstanceOf(Frame.Ping.class);
            long id = ((Frame.Ping) first).id();
            CompletableFuture<Void> y = c.send("y");
            CompletableFuture<Void> z = c.send("z");
            assertThat(p.read()).isEqualTo(Frame.Data.of("y"));
            assertThat(p.read()).isEqualTo(Frame.Data.of("z"));
            assertThat(x).as("no PONG yet").isNotDone();
            p.send(new Frame.Pong(id, true, ""));
            x.get(5, TimeUnit.SECONDS);
            assertThat(y).as("y and z were written after PING %d: its PONG does not confirm them", id).isNotDone();
            Frame second = p.read();
            long gapMs = (System.nanoTime() - firstAt) / 1_000_000;
            assertThat(second).isEqualTo(new Frame.Ping(id + 1));
            assertThat(gapMs).as("the next PING no sooner than the minimum ping interval").isGreaterThanOrEqualTo(minPingMs);
            p.send(new Frame.Pong(id + 1, true, ""));
            CompletableFuture.allOf(y, z).get(5, TimeUnit.SECONDS);

            CompletableFuture<Void> lost = c.send("lost");
            assertThat(p.read()).isEqualTo(Frame.Data.of("lost"));
            assertThat(p.read()).isEqualTo(new Frame.Ping(id + 2));
            p.close(); // no PONG: the server may or may not have read it
            assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("message of 4 bytes not confirmed: connection to " + fake.endpoint() + " ended (peer closed");
        }
    }
}
