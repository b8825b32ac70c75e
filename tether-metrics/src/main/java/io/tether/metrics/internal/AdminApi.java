package io.tether.metrics.internal;

import com.fasterxml.jackson.jr.ob.JSON;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tether.core.close.CloseReason;
import io.tether.core.text.Printable;
import io.tether.server.Connection;
import io.tether.server.ConnectionInfo;
import io.tether.server.Framing;
import io.tether.server.TetherServer;
import io.tether.server.session.EndReason;
import io.tether.server.session.Session;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint's routes: {@code /metrics} (Prometheus text), the admin page at {@code /},
 * and its JSON under {@code /api/}: summary, history, connections, and closing one. Runs on the
 * endpoint's own threads; it reads the server only through its public API and meters.
 *
 * <p>Access: with a token, every route but the page needs {@code Authorization: Bearer TOKEN};
 * without one (loopback only), a request must name a loopback host, so a web page elsewhere cannot
 * reach it by DNS rebinding. A POST must carry {@code X-Tether-Admin}, a header a cross-site
 * form cannot send, so a page the operator visits cannot close connections behind their back.
 */
public final class AdminApi implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger("io.tether.metrics");
    private static final int DEFAULT_LIMIT = 200;
    private static final int MAX_LIMIT = 5000;
    private static final String JSON_TYPE = "application/json; charset=utf-8";

    private final TetherServer server;
    private final Meters meters;
    private final History history;
    private final byte[] token;
    private final PrometheusMeterRegistry prometheus;
    private final byte[] page;

    public AdminApi(TetherServer server, Meters meters, History history, String token) {
        this.server = server;
        this.meters = meters;
        this.history = history;
        this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.prometheus = findPrometheus(meters.registry());
        try (InputStream in = AdminApi.class.getResourceAsStream("admin.html")) {
            if (in == null) {
                throw new IllegalStateException("admin.html is missing from tether-metrics");
            }
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read admin.html", e);
        }
    }

    private static PrometheusMeterRegistry findPrometheus(MeterRegistry r) {
        if (r instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (r instanceof CompositeMeterRegistry c) {
            for (MeterRegistry inner : c.getRegistries()) {
                PrometheusMeterRegistry p = findPrometheus(inner);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!hostAllowed(ex)) {
                send(ex, 403, JSON_TYPE, error("the admin endpoint has no token, so it answers loopback host names only"));
                return;
            }
            if ("GET".equals(method) && ("/".equals(path) || "/index.html".equals(path))) {
                ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
                        + "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'");
                send(ex, 200, "text/html; charset=utf-8", page);
                return;
            }
            if (!authorized(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tether\"");
                send(ex, 401, JSON_TYPE, error("missing or wrong bearer token (Authorization: Bearer TOKEN)"));
                return;
            }
            if ("GET".equals(method)) {
                switch (path) {
                    case "/metrics" -> metrics(ex);
                    case "/api/summary" -> json(ex, 200, summary());
                    case "/api/history" -> json(ex, 200, history());
                    case "/api/connections" -> json(ex, 200, connections(query(ex, "q"), query(ex, "limit")));
                    default -> json(ex, 404, Map.of("error", "no such page: " + Printable.of(path)));
                }
            } else if ("POST".equals(method) && path.startsWith("/api/connections/") && path.endsWith("/close")) {
                close(ex, path.substring("/api/connections/".length(), path.length() - "/close".length()));
            } else {
                json(ex, 405, Map.of("error", method + " is not allowed on " + Printable.of(path)));
            }
        } catch (RuntimeException e) {
            log.warn("admin endpoint: {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
            send(ex, 500, JSON_TYPE, error(String.valueOf(e.getMessage())));
        }
    }

    private boolean authorized(HttpExchange ex) {
        if (token == null) {
            return true;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(token, given.trim().getBytes(StandardCharsets.UTF_8));
    }

    private boolean hostAllowed(HttpExchange ex) {
        if (token != null) {
            return true;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return true; // HTTP/1.0 tools; a browser always sends Host
        }
        host = host.trim().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            return host.startsWith("[::1]");
        }
        int colon = host.indexOf(':');
        String name = colon < 0 ? host : host.substring(0, colon);
        return name.equals("localhost") || name.startsWith("127.");
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (prometheus == null) {
            json(ex, 404, Map.of("error", "the metrics registry holds no Prometheus registry"));
            return;
        }
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape().getBytes(StandardCharsets.UTF_8));
    }

    private void close(HttpExchange ex, String idText) throws IOException {
        if (ex.getRequestHeaders().getFirst("X-Tether-Admin") == null) {
            json(ex, 403, Map.of("error", "a POST needs the header X-Tether-Admin (the admin page sends it)"));
            return;
        }
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            json(ex, 400, Map.of("error", "'" + Printable.of(idText) + "' is not a connection id"));
            return;
        }
        Connection c = server.connection(id);
        if (c == null) {
            json(ex, 404, Map.of("error", "no open connection " + id));
            return;
        }
        log.info("admin: closing connection {} ({}) for {}", id, c.info().remoteAddress(), ex.getRemoteAddress());
        c.close();
        Census census = meters.census();
        if (census != null) {
            census.invalidate();
        }
        json(ex, 202, Map.of("closing", id));
    }

    // ------------------------------------------------------------------ the JSON documents

    /** Everything the page's counters and `tether status` show. */
    public Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        long now = System.currentTimeMillis();
        Map<String, Object> srv = new LinkedHashMap<>();
        srv.put("address", server.isRunning() ? server.localAddress().getHostString() + ":" + server.localAddress().getPort() : "");
        srv.put("running", server.isRunning());
        srv.put("native", server.isNativeTransport());
        srv.put("uptimeSeconds", (now - meters.startedAtMillis()) / 1000);
        srv.put("sessions", server.config().openSessions());
        s.put("server", srv);

        Census census = meters.census();
        Map<String, Object> conns = new LinkedHashMap<>();
        conns.put("live", server.connectionCount());
        Map<String, Object> byFraming = new LinkedHashMap<>();
        if (census != null) {
            census.liveByFraming().forEach((f, n) -> byFraming.put(Meters.label(f), n));
            conns.put("byTransport", census.liveByTransport());
            conns.put("outboundQueuedBytes", (long) census.outboundQueuedBytes());
        }
        conns.put("byFraming", byFraming);
        conns.put("opened", (long) meters.openedCount());
        Map<String, Object> closed = new LinkedHashMap<>();
        long closedTotal = 0;
        for (CloseReason r : CloseReason.values()) {
            long n = (long) meters.closedCount(r);
            closedTotal += n;
            if (n > 0) {
                closed.put(r.text(), n);
            }
        }
        conns.put("closedTotal", closedTotal);
        conns.put("closed", closed);
        conns.put("slowConsumer", Map.of("hard", (long) meters.slowConsumerCount(true), "soft", (long) meters.slowConsumerCount(false)));
        s.put("connections", conns);

        s.put("pings", Map.of("received", (long) meters.pingCount(), "strikes", (long) meters.strikeCount()));
        Map<String, Object> lateness = new LinkedHashMap<>();
        lateness.put(CloseReason.IDLE_TIMEOUT.text(), histogram(meters.lateness(CloseReason.IDLE_TIMEOUT)));
        lateness.put(CloseReason.PING_TIMEOUT.text(), histogram(meters.lateness(CloseReason.PING_TIMEOUT)));
        s.put("lateness", lateness);
        s.put("roundTrip", histogram(meters.roundTrip()));

        List<Map<String, Object>> checks = new ArrayList<>();
        boolean healthy = true;
        for (Map.Entry<String, Meters.HealthMeters> e : new java.util.TreeMap<>(meters.health()).entrySet()) {
            Meters.HealthMeters h = e.getValue();
            if (h.last == null) {
                continue;
            }
            healthy &= h.last.healthy();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", e.getKey());
            c.put("healthy", h.last.healthy());
            c.put("detail", h.last.detail());
            c.put("ms", h.lastNanos / 1e6);
            c.put("agoSeconds", (now - h.lastAtMillis) / 1000);
            checks.add(c);
        }
        s.put("health", Map.of("status", checks.isEmpty() ? "no checks run" : healthy ? "healthy" : "unhealthy", "checks", checks));

        if (census != null && census.sessionsOn()) {
            Map<String, Object> ses = new LinkedHashMap<>();
            ses.put("live", (long) census.sessionsLive());
            ses.put("detached", (long) census.sessionsDetached());
            ses.put("started", (long) meters.sessionsStarted());
            ses.put("detaches", (long) meters.sessionsDetaches());
            ses.put("resumed", (long) meters.sessionsResumed());
            Map<String, Object> ended = new LinkedHashMap<>();
            for (EndReason r : EndReason.values()) {
                long n = (long) meters.sessionsEnded(r);
                if (n > 0) {
                    ended.put(r.text(), n);
                }
            }
            ses.put("ended", ended);
            ses.put("replayBytes", (long) census.replayBytes());
            s.put("sessions", ses);
        }
        return s;
    }

    /** A timer's histogram for the page: per-bucket counts (not cumulative) in milliseconds. */
    private static Map<String, Object> histogram(Timer t) {
        HistogramSnapshot snap = t.takeSnapshot();
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("count", snap.count());
        h.put("meanMs", snap.count() == 0 ? 0 : snap.mean(TimeUnit.MILLISECONDS));
        h.put("maxMs", snap.max(TimeUnit.MILLISECONDS));
        List<Map<String, Object>> buckets = new ArrayList<>();
        double below = 0;
        for (CountAtBucket b : snap.histogramCounts()) {
            buckets.add(Map.of("leMs", b.bucket(TimeUnit.MILLISECONDS), "count", Math.round(b.count() - below)));
            below = b.count();
        }
        h.put("buckets", buckets);
        h.put("over", Math.max(0, Math.round(snap.count() - below)));
        return h;
    }

    public Map<String, Object> history() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (History.Sample s : history.samples()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("t", s.atMillis());
            m.put("live", s.live());
            m.put("sessions", s.sessions());
            m.put("opened", s.opened());
            m.put("closed", s.closed());
            out.add(m);
        }
        return Map.of("intervalSeconds", History.INTERVAL_MILLIS / 1000.0, "samples", out);
    }

    /** Open connections matching {@code q} (in the id, peer address or user), by id, at most {@code limit}. */
    public Map<String, Object> connections(String q, String limitText) {
        int limit = DEFAULT_LIMIT;
        if (limitText != null) {
            try {
                limit = Math.max(1, Math.min(MAX_LIMIT, Integer.parseInt(limitText)));
            } catch (NumberFormatException e) {
                limit = DEFAULT_LIMIT;
            }
        }
        String needle = q == null ? "" : q.trim().toLowerCase(Locale.ROOT);
        List<Connection> all = new ArrayList<>(server.connections());
        all.sort(Comparator.comparingLong(Connection::id));
        boolean sessionsOn = server.config().openSessions();
        List<Map<String, Object>> rows = new ArrayList<>();
        int matched = 0;
        for (Connection c : all) {
            ConnectionInfo info = c.info();
            String peer = info.remoteAddress() == null ? "" : info.remoteAddress().getHostString() + ":" + info.remoteAddress().getPort();
            String user = null;
            if (sessionsOn) {
                Session s = server.sessions().of(c);
                user = s == null ? null : s.userId();
            }
            if (!matches(needle, c.id(), info, peer, user)) {
                continue;
            }
            matched++;
            if (rows.size() >= limit) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", c.id());
            row.put("peer", peer);
            row.put("user", user == null ? "" : Printable.of(user));
            row.put("transport", c.transport());
            row.put("framing", Meters.label(info.framing() == null ? Framing.AUTO : info.framing()));
            row.put("silentMs", info.silentFor().toMillis());
            row.put("bytesIn", info.bytesIn());
            row.put("bytesOut", info.bytesOut());
            row.put("connectedAt", info.connectedAt().toEpochMilli());
            rows.add(row);
        }
        return Map.of("total", all.size(), "matched", matched, "connections", rows);
    }

    /**
     * A number is an id (or a peer's port), exactly: "7" must not find every peer with a 7 in its
     * address. Anything else is looked for in the peer address and the user.
     */
    private static boolean matches(String needle, long id, ConnectionInfo info, String peer, String user) {
        if (needle.isEmpty()) {
            return true;
        }
        if (needle.chars().allMatch(Character::isDigit)) {
            return needle.equals(Long.toString(id))
                    || (info.remoteAddress() != null && needle.equals(Integer.toString(info.remoteAddress().getPort())));
        }
        return peer.contains(needle) || (user != null && user.toLowerCase(Locale.ROOT).contains(needle));
    }

    // ------------------------------------------------------------------ HTTP plumbing

    private static String query(HttpExchange ex, String name) {
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return null;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static byte[] error(String message) {
        try {
            return JSON.std.asBytes(Map.of("error", message));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        send(ex, status, JSON_TYPE, JSON.std.asBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
