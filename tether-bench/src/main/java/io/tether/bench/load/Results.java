package io.tether.bench.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Figures per metric and server kind over rounds; reported as medians and ratios to the baseline. */
public final class Results {
    private final Map<String, Map<String, List<Double>>> byMetric = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    public synchronized void add(String metric, String kind, double value) {
        byMetric.computeIfAbsent(metric, m -> new LinkedHashMap<>()).computeIfAbsent(kind, k -> new ArrayList<>()).add(value);
    }

    public synchronized void note(String text) {
        notes.add(text);
    }

    public static double median(List<Double> values) {
        if (values == null || values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** A markdown table: one row per metric, a median column per kind, then each kind's ratio to the first. */
    public synchronized String table(List<String> kinds) {
        StringBuilder sb = new StringBuilder("| metric |");
        for (String k : kinds) {
            sb.append(' ').append(k).append(" |");
        }
        for (int i = 1; i < kinds.size(); i++) {
            sb.append(' ').append(kinds.get(i)).append(" / ").append(kinds.get(0)).append(" |");
        }
        sb.append(" runs |\n|---|");
        sb.append("---:|".repeat(kinds.size() * 2 - 1)).append("---:|\n");
        for (Map.Entry<String, Map<String, List<Double>>> e : byMetric.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" |");
            double base = median(e.getValue().get(kinds.get(0)));
            int runs = 0;
            for (String k : kinds) {
                List<Double> v = e.getValue().get(k);
                runs = Math.max(runs, v == null ? 0 : v.size());
                sb.append(' ').append(format(median(v))).append(" |");
            }
            for (int i = 1; i < kinds.size(); i++) {
                double m = median(e.getValue().get(kinds.get(i)));
                sb.append(' ').append(base == 0 || Double.isNaN(base) || Double.isNaN(m) ? "-" : String.format(Locale.ROOT, "%.2f", m / base)).append(" |");
            }
            sb.append(' ').append(runs).append(" |\n");
        }
        for (String n : notes) {
            sb.append('\n').append(n).append('\n');
        }
        return sb.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1000 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
