package io.tether.metrics.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.tether.core.close.CloseInfo;
import io.tether.core.close.CloseReason;
import io.tether.server.Connection;
import io.tether.server.Framing;
import io.tether.server.TetherServer;
import io.tether.server.health.HealthResult;
import io.tether.server.session.EndReason;
import io.tether.server.session.PresenceListener;
import io.tether.server.session.Session;
import io.tether.server.session.SessionEnd;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every meter of a server (docs/METRICS.md lists them), and the counting behind the observer's
 * calls. Meters that a hot path touches (pings, opens, closes) are made up front and found by an
 * array index, so an event costs one counter increment and no look-up or allocation. Gauges are
 * computed when scraped, from a {@link Census} of the connections and sessions.
 */
public final class Meters implements PresenceListener {
    /** Buckets of the lateness histogram: a wheel tick (10 ms by default) and a loaded loop's delays. */
    static final Duration[] LATENESS_BUCKETS = millis(1, 2, 5, 10, 15, 20, 30, 50, 100, 200, 500, 1000, 5000);
    /** Buckets of the server-ping round trip: loopback to intercontinental to a stalled client. */
    static final Duration[] ROUND_TRIP_BUCKETS = millis(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000);
    /** Buckets of a health check's duration. */
    static final Duration[] HEALTH_BUCKETS = millis(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000);

    private final MeterRegistry registry;
    private final Counter[] closed;
    private final Counter[] pings;
    private final Counter strikes;
    private final Timer[] lateness;
    private final Timer roundTrip;
    private final Counter slowHard;
    private final Counter slowSoft;
    private final Map<String, Counter> opened = new ConcurrentHashMap<>();
    private final Map<String, HealthMeters> health = new ConcurrentHashMap<>();
    private final Counter sessionsOnline;
    private final Counter sessionsDetached;
    private final Counter sessionsResumed;
    private final Counter[] sessionsEnded;
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile Census census;

    /** One health check's meters and its latest result. */
    public static final class HealthMeters {
        final Counter healthy;
        final Counter unhealthy;
        final Timer duration;
        volatile HealthResult last;
        volatile long lastNanos;
        volatile long lastAtMillis;

        HealthMeters(MeterRegistry registry, String check) {
            healthy = Counter.builder("tether.health.checks").tag("check", check).tag("result", "healthy")
                    .description("Health check runs by result").register(registry);
            unhealthy = Counter.builder("tether.health.checks").tag("check", check).tag("result", "unhealthy")
                    .description("Health check runs by result").register(registry);
            duration = Timer.builder("tether.health.check.duration").tag("check", check)
                    .description("How long a health check took").serviceLevelObjectives(HEALTH_BUCKETS).register(registry);
            Gauge.builder("tether.health.status", this, h -> h.last == null ? Double.NaN : h.last.healthy() ? 1 : 0)
                    .tag("check", check).description("The check's latest result: 1 healthy, 0 unhealthy").register(registry);
        }
    }

    public Meters(MeterRegistry registry) {
        this.registry = registry;
        CloseReason[] reasons = CloseReason.values();
        closed = new Counter[reasons.length];
        for (CloseReason r : reasons) {
            closed[r.ordinal()] = Counter.builder("tether.connections.closed").tag("reason", r.text())
                    .description("Connections closed, by close reason").register(registry);
        }
        Framing[] framings = Framing.values();
        pings = new Counter[framings.length];
        for (Framing f : framings) {
            pings[f.ordinal()] = Counter.builder("tether.pings.received").tag("framing", label(f))
                    .description("Pings received from clients (ping lines and PING frames)").register(registry);
        }
        strikes = Counter.builder("tether.pings.strikes")
                .description("Client pings closer than ping_min_interval to the previous one").register(registry);
        lateness = new Timer[reasons.length];
        for (CloseReason r : new CloseReason[] {CloseReason.IDLE_TIMEOUT, CloseReason.PING_TIMEOUT}) {
            lateness[r.ordinal()] = Timer.builder("tether.close.lateness").tag("reason", r.text())
                    .description("How long after its deadline an idle or ping timeout closed a connection")
                    .serviceLevelObjectives(LATENESS_BUCKETS).register(registry);
        }
        roundTrip = Timer.builder("tether.server.ping.round.trip")
                .description("From the server's PING to the client's PONG (frame clients, server_ping_interval)")
                .serviceLevelObjectives(ROUND_TRIP_BUCKETS).register(registry);
        slowHard = Counter.builder("tether.connections.slow.consumer").tag("limit", "hard")
                .description("Connections closed as slow consumers, by the limit they went over").register(registry);
        slowSoft = Counter.builder("tether.connections.slow.consumer").tag("limit", "soft")
                .description("Connections closed as slow consumers, by the limit they went over").register(registry);
        sessionsOnline = Counter.builder("tether.sessions.started").description("Sessions that went online").register(registry);
        sessionsDetached = Counter.builder("tether.sessions.detaches")
                .description("Sessions detached by an abnormal connection loss (each blip counts)").register(registry);
        sessionsResumed = Counter.builder("tether.sessions.resumed").description("Successful resumes").register(registry);
        EndReason[] ends = EndReason.values();
        sessionsEnded = new Counter[ends.length];
        for (EndReason e : ends) {
            sessionsEnded[e.ordinal()] = Counter.builder("tether.sessions.ended").tag("reason", e.text())
                    .description("Sessions ended (offline), by reason").register(registry);
        }
    }

    private static Duration[] millis(long... ms) {
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }

    public static String label(Framing f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the gauges read from {@code server}; once, before it starts. */
    public void bind(TetherServer server, boolean sessionsOn) {
        if (census != null) {
            throw new IllegalStateException("already bound to a server");
        }
        Census c = new Census(server, sessionsOn);
        census = c;
        transport("tcp");
        Gauge.builder("tether.connections.outbound.queued", c, Census::outboundQueuedBytes).baseUnit(BaseUnits.BYTES)
                .description("Bytes queued for clients, not yet taken by their kernels, over all connections").register(registry);
        if (sessionsOn) {
            Gauge.builder("tether.sessions.live", c, Census::sessionsLive)
                    .description("Live sessions, attached or detached").register(registry);
            Gauge.builder("tether.sessions.detached", c, Census::sessionsDetached)
                    .description("Sessions waiting for their client to resume").register(registry);
            Gauge.builder("tether.sessions.replay", c, Census::replayBytes).baseUnit(BaseUnits.BYTES)
                    .description("Payload bytes sent to clients and not yet acknowledged, over all sessions").register(registry);
            server.sessions().addListener(this);
        }
    }

    public Census census() {
        return census;
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** The opened counter of a transport, and its live gauges, made on its first connection. */
    private Counter transport(String transport) {
        Counter c = opened.get(transport);
        if (c != null) {
            return c;
        }
        return opened.computeIfAbsent(transport, t -> {
            Census census = this.census;
            if (census != null) {
                for (Framing f : Framing.values()) {
                    Gauge.builder("tether.connections.live", census, s -> s.live(t, f)).tag("transport", t).tag("framing", label(f))
                            .description("Open connections, by transport and framing (auto: no byte yet)").register(registry);
                }
            }
            return Counter.builder("tether.connections.opened").tag("transport", t)
                    .description("Connections accepted, by transport (refused ones too)").register(registry);
        });
    }

    // ------------------------------------------------------------------ the observer's events

    public void opened(Connection c) {
        transport(c.transport()).increment();
    }

    public void closed(CloseInfo info) {
        closed[info.reason().ordinal()].increment();
    }

    public void deadlineClose(CloseReason reason, long lateNanos) {
        Timer t = lateness[reason.ordinal()];
        if (t != null) {
            t.record(Math.max(0, lateNanos), TimeUnit.NANOSECONDS);
        }
    }

    public void pingReceived(Connection c) {
        pings[c.framing().ordinal()].increment();
    }

    public void pingStrike() {
        strikes.increment();
    }

    public void serverPingAnswered(long nanos) {
        roundTrip.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void healthChecked(String check, HealthResult result, long nanos) {
        HealthMeters h = health.computeIfAbsent(check, name -> new HealthMeters(registry, name));
        (result.healthy() ? h.healthy : h.unhealthy).increment();
        h.duration.record(nanos, TimeUnit.NANOSECONDS);
        h.lastNanos = nanos;
        h.lastAtMillis = System.currentTimeMillis();
        h.last = result;
    }

    public void slowConsumer(boolean hard) {
        (hard ? slowHard : slowSoft).increment();
    }

    @Override
    public void onOnline(Session session, Connection connection) {
        sessionsOnline.increment();
    }

    @Override
    public void onDetached(Session session, CloseInfo cause) {
        sessionsDetached.increment();
    }

    @Override
    public void onResumed(Session session, Connection connection) {
        sessionsResumed.increment();
    }

    @Override
    public void onOffline(Session session, SessionEnd end) {
        sessionsEnded[end.reason().ordinal()].increment();
    }

    // ------------------------------------------------------------------ read by the admin endpoint

    public double closedCount(CloseReason r) {
        return closed[r.ordinal()].count();
    }

    public double openedCount() {
        double sum = 0;
        for (Counter c : opened.values()) {
            sum += c.count();
        }
        return sum;
    }

    public double pingCount() {
        double sum = 0;
        for (Counter c : pings) {
            sum += c.count();
        }
        return sum;
    }

    public double strikeCount() {
        return strikes.count();
    }

    public double slowConsumerCount(boolean hard) {
        return (hard ? slowHard : slowSoft).count();
    }

    public Timer lateness(CloseReason r) {
        return lateness[r.ordinal()];
    }

    public Timer roundTrip() {
        return roundTrip;
    }

    public Map<String, HealthMeters> health() {
        return health;
    }

    public double sessionsStarted() {
        return sessionsOnline.count();
    }

    public double sessionsResumed() {
        return sessionsResumed.count();
    }

    public double sessionsDetaches() {
        return sessionsDetached.count();
    }

    public double sessionsEnded(EndReason r) {
        return sessionsEnded[r.ordinal()].count();
    }
}
