package io.tether.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A process's live heap by class ({@code jcmd PID GC.class_histogram}, a full GC first), and what N connections added. */
public final class ClassHistogram {
    private ClassHistogram() {
    }

    /** {@code jcmd PID GC.class_histogram}: class name to {instances, bytes}. */
    public static Map<String, long[]> of(long pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        Map<String, long[]> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length >= 4 && w[0].endsWith(":")) {
                m.put(w[3], new long[]{Long.parseLong(w[1]), Long.parseLong(w[2])});
            }
        }
        return m;
    }

    public static String diff(String kind, Map<String, long[]> before, Map<String, long[]> after, int conns) {
        List<Map.Entry<String, long[]>> rows = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            rows.add(Map.entry(e.getKey(), new long[]{e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        rows.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        StringBuilder sb = new StringBuilder("\n#### Heap per connection, " + kind + " (jcmd GC.class_histogram at "
                + conns + " connections minus at 0, server 0)\n\n| class | instances/conn | B/conn |\n|---|---:|---:|\n");
        long total = 0;
        for (Map.Entry<String, long[]> r : rows) {
            total += r.getValue()[1];
        }
        for (Map.Entry<String, long[]> r : rows.subList(0, Math.min(20, rows.size()))) {
            sb.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.1f |%n", r.getKey(), r.getValue()[0] / (double) conns,
                    r.getValue()[1] / (double) conns));
        }
        sb.append(String.format(Locale.ROOT, "| **all classes** | | **%.1f** |%n", total / (double) conns));
        return sb.toString();
    }


    /** Bytes of every class in a histogram. */
    public static long totalBytes(Map<String, long[]> histogram) {
        long total = 0;
        for (long[] v : histogram.values()) {
            total += v[1];
        }
        return total;
    }
}
