package io.tether.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Ticker;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.core.protocol.Frame;
import io.tether.core.protocol.FrameCodec;
import io.tether.core.protocol.ProtocolException;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.Message;
import io.tether.server.ServerConfig;
import io.tether.server.ServerHandler;
import io.tether.server.session.SessionManager;
import io.tether.testkit.fuzz.Fuzz;
import io.tether.testkit.fuzz.Pieces;
import io.tether.testkit.fuzz.Source;
import io.tether.testkit.netty.TrackingAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the server's one pipeline handler, {@link ConnectionCodec}, in an EmbeddedChannel with
 * framing auto, line and frame: arbitrary bytes (line-ish, frame-ish, edited, noise) arrive cut
 * into arbitrary reads, against payload limits from 0 to Integer.MAX_VALUE. The contract:
 *
 * <ul>
 *   <li>nothing is thrown out of the pipeline, and Netty logs no warning;</li>
 *   <li>the application receives exactly the messages docs/PROTOCOL.md says (a model below, for
 *       plain sessions), and the client is answered as it says (pongs, WELCOME, echoes);</li>
 *   <li>a connection that receives garbage is closed with reason protocol error (and, in its
 *       framing, told so); a connection is closed once, never with reason {@code error};</li>
 *   <li>every buffer is released: the reads, the decoder's cumulation and what the server writes
 *       (checked after each case with a {@link TrackingAllocator}; Netty's own leak reports fail the
 *       class through tether-testkit's NettyLeakExtension).</li>
 * </ul>
 *
 * <p>Bounded for CI; a failure names its seed: rerun with {@code -Dtether.fuzz.seed=<seed>} (see
 * {@link Fuzz}).
 */
@Timeout(120)
class ConnectionCodecFuzzTest {
    private static final Set<CloseReason> CLOSED_BY_INPUT =
            EnumSet.of(CloseReason.PROTOCOL_ERROR, CloseReason.PEER_CLOSED, CloseReason.CLOSED_BY_SERVER);
    private static final byte[] PONG_LINE = "pong\n".getBytes(StandardCharsets.US_ASCII);

    private static HealthMonitor health;
    private Logger serverLog;
    private Level serverLevel;
    private final ListAppender<ILoggingEvent> nettyWarnings = new ListAppender<>();

    @BeforeAll
    static void health() {
        health = new HealthMonitor(List.of(), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @AfterAll
    static void closeHealth() {
        health.close();
    }

    /** Every protocol error logs a warning by design: thousands here. Netty's warnings are collected and must not occur. */
    @BeforeEach
    void quietServerLogCatchNettyWarnings() {
        serverLog = (Logger) LoggerFactory.getLogger("io.tether.server");
        serverLevel = serverLog.getLevel();
        serverLog.setLevel(Level.ERROR);
        nettyWarnings.start();
        ((Logger) LoggerFactory.getLogger("io.netty")).addAppender(nettyWarnings);
    }

    @AfterEach
    void restoreLogs() {
        serverLog.setLevel(serverLevel);
        ((Logger) LoggerFactory.getLogger("io.netty")).detachAppender(nettyWarnings);
    }

    // ------------------------------------------------------------------ properties

    @Test
    void autoFraming() {
        Fuzz.property("ConnectionCodec, framing auto", 2500).check(src -> newCase(src, Framing.AUTO, false), this::runModelled);
    }

    @Test
    void lineFraming() {
        Fuzz.property("ConnectionCodec, framing line", 1500).check(src -> newCase(src, Framing.LINE, false), this::runModelled);
    }

    @Test
    void frameFraming() {
        Fuzz.property("ConnectionCodec, framing frame", 1500).check(src -> newCase(src, Framing.FRAME, false), this::runModelled);
    }

    /** Sessions on: HELLOs may ask for sequenced sessions and send SEQ_DATA/ACK. No model, only the contract. */
    @Test
    void frameFramingWithSessions() {
        ServerConfig sessionsConfig = ServerConfig.builder().openSessions(true).sessionResumeWindow(Duration.ofHours(1)).build();
        SessionManager sessions = new SessionManager(sessionsConfig, null);
        try {
            Fuzz.property("ConnectionCodec, framing auto, sessions on", 1500)
                    .check(src -> newCase(src, Framing.AUTO, true), c -> run(c, sessions));
        } finally {
            sessions.shutdown();
        }
    }

    // ------------------------------------------------------------------ cases

    /** One connection's life: its configuration and the bytes it receives, cut into reads. */
    record Case(Framing framing, int max, boolean echo, byte[] input, List<Integer> cuts) {
    }

    private static Case newCase(Source src, Framing framing, boolean sessions) {
        int max = src.weighted(4, 1) == 0 ? src.pick(1 << 20, 64, 100, 1024, Integer.MAX_VALUE) : src.pick(0, 1, 8);
        boolean frames = framing == Framing.FRAME || framing == Framing.AUTO && src.bool();
        byte[] input = switch (src.weighted(8, 1)) {
            case 0 -> frames ? frameInput(src, sessions) : lineInput(src, max);
            default -> src.bytes(200);
        };
        return new Case(framing, max, src.bool(), input, Pieces.cuts(src));
    }

    /** Lines a person or a probe might send, with odd ones: long, binary, CR alone, no terminator. */
    static byte[] lineInput(Source src, int max) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (byte[] line : src.list(0, 8, 3, s -> lineContent(s, max))) {
                b.writeBytes(line);
                b.writeBytes(switch (src.weighted(5, 3, 1, 1)) {
                    case 0 -> new byte[] {'\n'};
                    case 1 -> new byte[] {'\r', '\n'};
                    case 2 -> new byte[] {'\r'};
                    default -> new byte[0];
                });
            }
            if (src.weighted(4, 1) == 1) {
                b.writeBytes(src.bytes(40));
            }
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static byte[] lineContent(Source src, int max) {
        return switch (src.weighted(4, 3, 2, 2)) {
            case 0 -> {
                byte[] t = src.bytes(30);
                for (int i = 0; i < t.length; i++) {
                    t[i] = (byte) (0x20 + Math.floorMod(t[i], 0x5F)); // printable ASCII
                }
                yield t;
            }
            case 1 -> src.pick("ping", " ping ", "ping\r", "\tping", "PING", "pingx", "pin", "ping ping", "  ping  ")
                    .getBytes(StandardCharsets.US_ASCII);
            case 2 -> { // around the limit (when the limit is small enough to reach)
                int n = (int) Math.min(4096, Math.max(0, (long) max + src.intBetween(-2, 2)));
                byte[] t = new byte[n];
                Arrays.fill(t, (byte) 'x');
                yield t;
            }
            default -> src.bytes(60);
        };
    }

    /** A frame client's bytes: a preamble (mostly right), a HELLO (mostly), frames, maybe edited. */
    static byte[] frameInput(Source src, boolean sessions) {
        ByteBuf b = Unpooled.buffer();
        try {
            switch (src.weighted(16, 1, 1)) {
                case 0 -> b.writeBytes(FrameCodec.PREAMBLE);
                case 1 -> {
                    byte[] p = FrameCodec.PREAMBLE.clone();
                    p[src.intBetween(0, 4)] = (byte) src.intBetween(0, 255);
                    b.writeBytes(p);
                }
                default -> { }
            }
            List<Frame> frames = new ArrayList<>();
            switch (src.weighted(12, 1, 1)) {
                case 0 -> frames.add(new Frame.Hello(src.pick("fuzz", ""), src.longBetween(0, 60_000), null,
                        sessions && src.bool() ? src.longBetween(0, 3) : Frame.Hello.NOT_SEQUENCED));
                case 1 -> frames.add(new Frame.Hello("fuzz", 0, src.bytes(1, 20), sessions ? src.longBetween(-1, 3) : -1));
                default -> { }
            }
            frames.addAll(src.list(0, 8, 3, ConnectionCodecFuzzTest::clientFrame));
            for (Frame f : frames) {
                FrameCodec.encode(f, b);
            }
            byte[] bytes = ByteBufUtil.getBytes(b);
            int edits = src.weighted(3, 1) == 0 ? 0 : src.intBetween(1, 3);
            for (int i = 0; i < edits && bytes.length > 0; i++) {
                int at = src.intBetween(0, bytes.length - 1);
                bytes[at] = (byte) (int) src.pick(0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x01, src.intBetween(0, 255));
            }
            return bytes;
        } finally {
            b.release();
        }
    }

    private static Frame clientFrame(Source src) {
        return switch (src.weighted(4, 3, 1, 1, 1, 1, 1)) {
            case 0 -> new Frame.Data(src.bytes(120));
            case 1 -> new Frame.Ping(src.anyLong());
            case 2 -> new Frame.Pong(src.anyLong(), src.bool(), "");
            case 3 -> new Frame.Close(src.pick(1000, 1007, 0, 65535), src.pick("", "bye"));
            case 4 -> new Frame.SeqData(src.longBetween(1, 4), src.bytes(20));
            case 5 -> new Frame.Ack(src.longBetween(0, 4));
            default -> src.pick(new Frame.Hello("again", 0), new Frame.Notice(1, 500, "n"),
                    new Frame.Welcome(1, 2, 3, 4, 5, 6, "s", null, false));
        };
    }

    // ------------------------------------------------------------------ running a case

    /** The application's side: what it was told. */
    static final class Events implements ServerHandler {
        final boolean echo;
        int connects;
        final List<byte[]> received = new ArrayList<>();
        final List<CloseInfo> closes = new ArrayList<>();

        Events(boolean echo) {
            this.echo = echo;
        }

        @Override
        public void onConnect(Connection conn) {
            connects++;
        }

        @Override
        public void onReceive(Connection conn, Message message) {
            received.add(message.bytes());
            if (echo) {
                conn.send(message.bytes());
            }
        }

        @Override
        public void onClose(Connection conn, CloseInfo info) {
            closes.add(info);
        }
    }

    /** A clock that moves a second on every look: no ping is ever too early, no deadline matters. */
    static final class SteppingTicker implements Ticker {
        private long now = 1_000_000_000L;

        @Override
        public long initialNanoTime() {
            return 0;
        }

        @Override
        public long nanoTime() {
            return now += 1_000_000_000L;
        }

        @Override
        public void sleep(long delay, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    /** What a run showed: the application's events, the bytes the client got back, until and after the FIN. */
    record Outcome(Events events, byte[] sentBeforeFin, boolean closedBeforeFin) {
    }

    private void runModelled(Case c) {
        Outcome o = run(c, null);
        Expected e = Expected.of(c);
        assertThat(o.events.received).as("messages delivered").containsExactlyElementsOf(e.delivered);
        assertThat(o.closedBeforeFin).as("closed by the input").isEqualTo(e.reason != null);
        CloseReason reason = o.events.closes.get(0).reason();
        assertThat(reason).isEqualTo(e.reason != null ? e.reason : e.reasonAtFin != null ? e.reasonAtFin : CloseReason.PEER_CLOSED);
        e.checkSent(o.sentBeforeFin);
    }

    /** Runs a case through a fresh connection; checks what every case must satisfy. */
    private Outcome run(Case c, SessionManager sessions) {
        nettyWarnings.list.clear();
        // No deadline matters here (see SteppingTicker): a case with an unfinished message or handshake stays open.
        ServerConfig config = ServerConfig.builder().framing(c.framing).packageMaxLength(c.max)
                .handshakeTimeout(Duration.ZERO).packageTimeout(Duration.ZERO)
                .openSessions(sessions != null).build();
        Events events = new Events(c.echo);
        ServerContext ctx = new ServerContext(config, events, null, health, sessions, new SteppingTicker());
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new ServerInitializer(ctx)); // the server's own pipeline and channel settings
        ByteBuf sent = Unpooled.buffer();
        try {
            try {
                ch.register();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            for (byte[] piece : Pieces.split(c.input, c.cuts)) {
                if (!ch.isOpen()) {
                    break; // a socket closed by the server reads nothing more
                }
                try {
                    ch.writeInbound(alloc.copyOf(piece));
                    ch.runPendingTasks();
                    ch.checkException();
                } catch (Throwable t) {
                    fail("thrown out of the pipeline", t);
                }
                drainOutbound(ch, sent);
            }
            boolean closedBeforeFin = !events.closes.isEmpty();
            byte[] sentBeforeFin = ByteBufUtil.getBytes(sent);
            // The peer's FIN (half-closure on, as the server runs), then the socket goes.
            if (ch.isOpen()) {
                ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                ch.runPendingTasks();
                drainOutbound(ch, sent);
                ch.close();
                ch.runPendingTasks();
            }
            try {
                ch.checkException();
            } catch (Throwable t) {
                fail("thrown out of the pipeline at the end", t);
            }
            drainOutbound(ch, sent);
            assertThat(events.connects).isEqualTo(1);
            assertThat(events.closes).as("close events").hasSize(1);
            CloseReason reason = events.closes.get(0).reason();
            assertThat(reason).as("close reason (%s)", events.closes.get(0)).isIn(CLOSED_BY_INPUT);
            assertThat(nettyWarnings.list).as("Netty warnings").isEmpty();
            return new Outcome(events, sentBeforeFin, closedBeforeFin);
        } finally {
            sent.release();
            ch.finishAndReleaseAll();
            List<ByteBuf> unreleased = alloc.unreleased();
            alloc.forget();
            assertThat(unreleased).as("buffers never released").isEmpty();
        }
    }

    /** Moves what the server wrote into {@code sent}, releasing each buffer (once: it must still be live). */
    private static void drainOutbound(EmbeddedChannel ch, ByteBuf sent) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (!(o instanceof ByteBuf b)) {
                fail("the server wrote a " + o.getClass().getName() + ", not bytes: " + o);
                return;
            }
            assertThat(b.refCnt()).as("a written buffer already released").isPositive();
            sent.writeBytes(b, b.readerIndex(), b.readableBytes());
            b.release();
        }
    }


    // ------------------------------------------------------------------ the model

    /**
     * What docs/PROTOCOL.md says a plain (sessions off) server does with {@code input}, written
     * without the server's classes except FrameCodec (fuzzed on its own in tether-core): the
     * messages delivered, the reason the input closes the connection for (null: it stays open) and
     * what the client gets back.
     */
    static final class Expected {
        final List<byte[]> delivered = new ArrayList<>();
        CloseReason reason;
        /** What the FIN closes it for when the input did not (null: peer closed). */
        CloseReason reasonAtFin;
        final boolean lines;
        /** Line mode: the exact bytes sent before the farewell line. Frame mode: the frames. */
        final ByteBuf lineOut = Unpooled.buffer();
        final List<Frame> frameOut = new ArrayList<>();
        boolean helloSeen;

        private Expected(boolean lines) {
            this.lines = lines;
        }

        static Expected of(Case c) {
            byte[] in = c.input;
            boolean frames = c.framing == Framing.FRAME || c.framing == Framing.AUTO && in.length > 0 && in[0] == (byte) 0xFF;
            Expected e = new Expected(!frames);
            try {
                if (frames) {
                    e.frames(in, c.max, c.echo);
                } else {
                    e.lines(in, c.max, c.echo);
                }
            } finally {
                if (frames) {
                    e.lineOut.release();
                }
            }
            return e;
        }

        /** Lines end with LF, a CR before it is dropped; longer than max is a protocol error, as soon as it is sure. */
        private void lines(byte[] in, int max, boolean echo) {
            int start = 0;
            while (true) {
                int lf = indexOf(in, (byte) '\n', start);
                if (lf < 0) {
                    if ((long) in.length - start > (long) max + 1) { // cannot end within the limit any more
                        reason = CloseReason.PROTOCOL_ERROR;
                    } else if (in.length > start) { // the last line, ended by the FIN (a CR before it dropped)
                        int end = in[in.length - 1] == '\r' ? in.length - 1 : in.length;
                        byte[] line = Arrays.copyOfRange(in, start, end);
                        if (line.length > max) {
                            reasonAtFin = CloseReason.PROTOCOL_ERROR;
                        } else if (!isPing(line)) {
                            delivered.add(line); // its pong or echo goes out after the FIN: not checked here
                        }
                    }
                    return;
                }
                int end = lf > start && in[lf - 1] == '\r' ? lf - 1 : lf;
                if (end - start > max) {
                    reason = CloseReason.PROTOCOL_ERROR;
                    return;
                }
                byte[] line = Arrays.copyOfRange(in, start, end);
                if (isPing(line)) {
                    lineOut.writeBytes(PONG_LINE);
                } else {
                    delivered.add(line);
                    if (echo) {
                        lineOut.writeBytes(line).writeByte('\n');
                    }
                }
                start = lf + 1;
            }
        }

        /** "ping" alone on a line, surrounding whitespace ignored (at most 8 bytes in all). */
        private static boolean isPing(byte[] line) {
            if (line.length < 4 || line.length > 8) {
                return false;
            }
            String s = new String(line, StandardCharsets.ISO_8859_1);
            int i = 0;
            int j = s.length();
            while (j > i && Character.isWhitespace(s.charAt(j - 1)) && s.charAt(j - 1) < 0x80) {
                j--;
            }
            while (i < j && Character.isWhitespace(s.charAt(i)) && s.charAt(i) < 0x80) {
                i++;
            }
            return s.substring(i, j).equals("ping");
        }

        private void frames(byte[] in, int max, boolean echo) {
            if (in.length < FrameCodec.PREAMBLE.length) {
                return;
            }
            if (!Arrays.equals(Arrays.copyOf(in, 5), FrameCodec.PREAMBLE)) {
                reason = CloseReason.PROTOCOL_ERROR;
                return;
            }
            ByteBuf b = Unpooled.wrappedBuffer(in, 5, in.length - 5);
            try {
                Frame f;
                // The first frame: a HELLO within the fixed HELLO limit, judged from its header.
                while (reason == null && (f = helloSeen ? FrameCodec.decode(b, max) : FrameCodec.decodeHello(b)) != null) {
                    frame(f, max, echo);
                }
            } catch (ProtocolException e) {
                reason = CloseReason.PROTOCOL_ERROR;
            } finally {
                b.release();
            }
        }

        private void frame(Frame f, int max, boolean echo) {
            if (!helloSeen) {
                if (!(f instanceof Frame.Hello h)) {
                    reason = CloseReason.PROTOCOL_ERROR; // the first frame must be HELLO
                    return;
                }
                helloSeen = true;
                if (h.hasResumeToken() || h.resumeProblem() != null) {
                    reason = CloseReason.CLOSED_BY_SERVER; // resume refused (even an empty token): sessions are off
                    frameOut.add(new Frame.Close(1104, ""));
                    return;
                }
                frameOut.add(new Frame.Welcome(1, 0, 0, 10_000, 500, max, "tether", null, false));
                return;
            }
            if (f instanceof Frame.Data d) {
                delivered.add(d.payload());
                if (echo) {
                    frameOut.add(d);
                }
            } else if (f instanceof Frame.Ping p) {
                frameOut.add(new Frame.Pong(p.id(), true, ""));
            } else if (f instanceof Frame.Pong) {
                return;
            } else if (f instanceof Frame.Close) {
                reason = CloseReason.PEER_CLOSED;
            } else {
                reason = CloseReason.PROTOCOL_ERROR; // SEQ_DATA/ACK without a sequenced session; server-only frames
            }
        }

        /** The client got what the model says, then a farewell that names the reason. */
        void checkSent(byte[] sent) {
            if (lines) {
                byte[] answers = ByteBufUtil.getBytes(lineOut);
                lineOut.release();
                assertThat(Arrays.copyOf(sent, Math.min(sent.length, answers.length))).as("answers")
                        .isEqualTo(answers);
                String rest = new String(sent, answers.length, sent.length - answers.length, StandardCharsets.UTF_8);
                if (reason == CloseReason.PROTOCOL_ERROR) {
                    assertThat(rest).startsWith("error protocol error: ").endsWith("\n");
                } else {
                    assertThat(rest).isEmpty();
                }
                return;
            }
            List<Frame> got = new ArrayList<>();
            ByteBuf b = Unpooled.wrappedBuffer(sent);
            try {
                Frame f;
                while ((f = FrameCodec.decode(b, Integer.MAX_VALUE)) != null) {
                    got.add(f);
                }
                assertThat(b.isReadable()).as("bytes after the last frame sent").isFalse();
            } finally {
                b.release();
            }
            // Close frames carry free text; compare their codes only. WELCOME's connection id is the connection's.
            List<Object> expected = new ArrayList<>(frameOut.stream().map(Expected::comparable).toList());
            if (reason == CloseReason.PROTOCOL_ERROR && helloSeen) {
                expected.add("CLOSE 1008");
            }
            List<Object> actual = new ArrayList<>(got.stream().map(Expected::comparable).toList());
            if (reason == CloseReason.PROTOCOL_ERROR && !helloSeen && actual.equals(List.of("CLOSE 1008"))) {
                actual.clear(); // before WELCOME the server may close silently or say CLOSE(1008): both are fine here
            }
            assertThat(actual).as("frames sent").isEqualTo(expected);
        }

        private static Object comparable(Frame f) {
            if (f instanceof Frame.Close c) {
                return "CLOSE " + c.code();
            }
            if (f instanceof Frame.Welcome w) {
                return "WELCOME max " + w.maxFrameLength();
            }
            return f;
        }

        private static int indexOf(byte[] a, byte v, int from) {
            for (int i = from; i < a.length; i++) {
                if (a[i] == v) {
                    return i;
                }
            }
            return -1;
        }
    }
}
