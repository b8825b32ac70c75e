package io.tether.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tether status HOST:PORT}: the admin page's summary in a terminal, read from a server's
 * admin endpoint ({@code tether server --admin-port PORT}, docs/METRICS.md).
 */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a running server's summary from its admin endpoint (tether server --admin-port PORT).",
                "It shows connections, closes by reason, pings, lateness, round trips, sessions and health."})
final class StatusCommand implements Callable<Integer> {

    @Parameters(paramLabel = "HOST:PORT", description = "The admin endpoint, e.g. 127.0.0.1:9502.")
    String endpoint;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Its bearer token. Default: $TETHER_ADMIN_TOKEN.")
    String token = System.getenv("TETHER_ADMIN_TOKEN");

    @Option(names = "--json", description = "Print the summary as the endpoint's JSON instead.")
    boolean json;

    PrintStream out = System.out;
    PrintStream err = System.err;

    @Override
    public Integer call() {
        URI uri;
        try {
            uri = URI.create("http://" + endpoint + "/api/summary");
            if (uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            err.println("tether status: '" + endpoint + "' is not HOST:PORT (the admin endpoint, e.g. 127.0.0.1:9502)");
            return 2;
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (token != null && !token.isEmpty()) {
            req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.println("tether status: cannot reach " + endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + " (is the server running with --admin-port?)");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (r.statusCode() == 401) {
            err.println("tether status: " + endpoint + " wants its token: --token TOKEN or TETHER_ADMIN_TOKEN");
            return 1;
        }
        if (r.statusCode() != 200) {
            err.println("tether status: " + endpoint + " answered " + r.statusCode() + ": " + r.body());
            return 1;
        }
        if (json) {
            out.println(r.body());
            return 0;
        }
        try {
            print(JSON.std.mapFrom(r.body()));
        } catch (IOException | RuntimeException e) {
            err.println("tether status: " + endpoint + " did not answer with a Tether summary: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static long n(Object o) {
        return o instanceof Number x ? x.longValue() : 0;
    }

    private static String num(Object o) {
        return String.format(Locale.ROOT, "%,d", n(o));
    }

    private static String counts(Map<String, Object> m) {
        List<String> parts = new ArrayList<>();
        m.forEach((k, v) -> {
            if (n(v) > 0) {
                parts.add(k + " " + num(v));
            }
        });
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String bytes(Object o) {
        long b = n(o);
        return b < 1024 ? b + " B" : b < 1 << 20 ? String.format(Locale.ROOT, "%.1f KB", b / 1024.0)
                : String.format(Locale.ROOT, "%.1f MB", b / 1048576.0);
    }

    /** "3 recorded, mean 7.9 ms, max 9.3 ms, 99% within 10 ms" from a histogram of the summary. */
    @SuppressWarnings("unchecked")
    static String histogram(Map<String, Object> h) {
        long count = n(h.get("count"));
        if (count == 0) {
            return "none";
        }
        double mean = ((Number) h.get("meanMs")).doubleValue();
        double max = ((Number) h.get("maxMs")).doubleValue();
        String within = "";
        long seen = 0;
        for (Object o : (List<Object>) h.getOrDefault("buckets", List.of())) {
            Map<String, Object> b = map(o);
            seen += n(b.get("count"));
            if (seen * 100 >= count * 99) {
                within = String.format(Locale.ROOT, ", 99%% within %s ms", fmt(((Number) b.get("leMs")).doubleValue()));
                break;
            }
        }
        return String.format(Locale.ROOT, "%,d recorded, mean %.1f ms, max %.1f ms%s", count, mean, max, within);
    }

    private static String fmt(double ms) {
        return ms == Math.rint(ms) ? Long.toString((long) ms) : Double.toString(ms);
    }

    @SuppressWarnings("unchecked")
    private void print(Map<String, Object> s) {
        Map<String, Object> srv = map(s.get("server"));
        Map<String, Object> conns = map(s.get("connections"));
        Map<String, Object> health = map(s.get("health"));
        long up = n(srv.get("uptimeSeconds"));
        out.printf(Locale.ROOT, "tether %s (%s), up %s; health: %s%n", srv.get("address"),
                Boolean.TRUE.equals(srv.get("native")) ? "epoll" : "nio",
                up >= 3600 ? up / 3600 + " h " + up % 3600 / 60 + " min" : up >= 60 ? up / 60 + " min " + up % 60 + " s" : up + " s",
                health.get("status"));
        out.printf(Locale.ROOT, "connections  %s live (%s); opened %s, closed %s%n", num(conns.get("live")),
                counts(map(conns.get("byFraming"))), num(conns.get("opened")), num(conns.get("closedTotal")));
        out.printf(Locale.ROOT, "closed by    %s%n", counts(map(conns.get("closed"))));
        Map<String, Object> pings = map(s.get("pings"));
        out.printf(Locale.ROOT, "client pings %s received, %s strikes%n", num(pings.get("received")), num(pings.get("strikes")));
        map(s.get("lateness")).forEach((reason, h) ->
                out.printf(Locale.ROOT, "lateness     %s closes: %s%n", reason, histogram(map(h))));
        out.printf(Locale.ROOT, "round trip   server pings: %s%n", histogram(map(s.get("roundTrip"))));
        Map<String, Object> slow = map(conns.get("slowConsumer"));
        out.printf(Locale.ROOT, "queued       %s outbound; slow consumers: %s hard, %s soft%n", bytes(conns.get("outboundQueuedBytes")),
                num(slow.get("hard")), num(slow.get("soft")));
        if (s.containsKey("sessions")) {
            Map<String, Object> ses = map(s.get("sessions"));
            out.printf(Locale.ROOT, "sessions     %s live (%s detached), %s started, %s resumed, %s replay held; ended: %s%n",
                    num(ses.get("live")), num(ses.get("detached")), num(ses.get("started")), num(ses.get("resumed")),
                    bytes(ses.get("replayBytes")), counts(map(ses.get("ended"))));
        } else {
            out.println("sessions     off");
        }
        for (Object o : (List<Object>) health.getOrDefault("checks", List.of())) {
            Map<String, Object> c = map(o);
            out.printf(Locale.ROOT, "health       %s %s (%.1f ms, %d s ago)%s%n", c.get("name"),
                    Boolean.TRUE.equals(c.get("healthy")) ? "healthy" : "unhealthy", ((Number) c.get("ms")).doubleValue(),
                    n(c.get("agoSeconds")), String.valueOf(c.get("detail")).isEmpty() ? "" : ": " + c.get("detail"));
        }
    }
}
