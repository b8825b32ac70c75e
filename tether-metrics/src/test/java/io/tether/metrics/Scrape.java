package io.tether.metrics;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hawkular.agent.prometheus.text.TextPrometheusMetricDataParser;
import org.hawkular.agent.prometheus.types.Counter;
import org.hawkular.agent.prometheus.types.Gauge;
import org.hawkular.agent.prometheus.types.Histogram;
import org.hawkular.agent.prometheus.types.Metric;
import org.hawkular.agent.prometheus.types.MetricFamily;

/**
 * One scrape of {@code /metrics}, parsed by a Prometheus text-format parser (Hawkular's
 * prometheus-scraper, a port of the official Python client's parser), never by string search.
 */
final class Scrape {
    final Map<String, MetricFamily> families = new LinkedHashMap<>();
    final String contentType;

    private Scrape(byte[] body, String contentType) throws IOException {
        this.contentType = contentType;
        TextPrometheusMetricDataParser parser = new TextPrometheusMetricDataParser(new ByteArrayInputStream(body));
        MetricFamily f;
        while ((f = parser.parse()) != null) {
            families.put(f.getName(), f);
        }
    }

    static Scrape of(int port, String token) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("/metrics answered " + r.statusCode() + ": " + new String(r.body()));
        }
        return new Scrape(r.body(), r.headers().firstValue("Content-Type").orElse(""));
    }

    MetricFamily family(String name) {
        MetricFamily f = families.get(name);
        if (f == null) {
            throw new AssertionError("no metric family " + name + " in the scrape; families: " + families.keySet());
        }
        return f;
    }

    /** The samples of a family whose labels include {@code labels} (name, value pairs). */
    List<Metric> samples(String family, String... labels) {
        List<Metric> out = new ArrayList<>();
        for (Metric m : family(family).getMetrics()) {
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(m.getLabels().get(labels[i]));
            }
            if (match) {
                out.add(m);
            }
        }
        return out;
    }

    /** The one counter or gauge sample with these labels. */
    double value(String family, String... labels) {
        List<Metric> s = samples(family, labels);
        if (s.size() != 1) {
            throw new AssertionError(family + " " + List.of(labels) + ": " + s.size() + " samples, expected 1");
        }
        Metric m = s.get(0);
        return m instanceof Counter c ? c.getValue() : ((Gauge) m).getValue();
    }

    /** Sum over the samples with these labels. */
    double sum(String family, String... labels) {
        double sum = 0;
        for (Metric m : samples(family, labels)) {
            sum += m instanceof Counter c ? c.getValue() : ((Gauge) m).getValue();
        }
        return sum;
    }

    Histogram histogram(String family, String... labels) {
        List<Metric> s = samples(family, labels);
        if (s.size() != 1) {
            throw new AssertionError(family + " " + List.of(labels) + ": " + s.size() + " histograms, expected 1");
        }
        return (Histogram) s.get(0);
    }
}
