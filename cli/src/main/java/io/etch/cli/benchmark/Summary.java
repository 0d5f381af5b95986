package io.etch.cli.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The result of one benchmark phase, in seconds, and its two renderings: etcd's benchmark text
 * ({@code pkg/report/report.go}: Summary, Response time histogram, Latency distribution, Error
 * distribution) and one JSON object per line for scripts.
 *
 * <p>Example: 4 requests of 1, 2, 3 and 4 ms over 0.01 s give {@code requests=4},
 * {@code requestsPerSecond=400}, {@code averageSeconds=0.0025}, {@code p50=0.002}, {@code p99=0.004}
 * (HdrHistogram's value at a percentile is the highest value of the bucket that reaches it, within
 * 0.1 %). {@code SummaryTest} checks this example.
 *
 * @param name             the phase ({@code put}, {@code range}, {@code watch-event}, …)
 * @param requests         successful requests (or events)
 * @param totalSeconds     first start to last end
 * @param requestsPerSecond successes / total
 * @param percentiles      {@link #PERCENTILES} → latency in seconds, same order
 * @param buckets          etcd's 11 histogram marks: fastest + k·(slowest−fastest)/10, k = 0..10
 * @param bucketCounts     requests with latency in (mark[k−1], mark[k]]
 * @param errors           error text → count
 */
record Summary(String name, long requests, double totalSeconds, double fastestSeconds, double slowestSeconds,
               double averageSeconds, double stddevSeconds, double requestsPerSecond, double[] percentiles,
               double[] buckets, long[] bucketCounts, Map<String, Long> errors) {

    /** etcd's percentiles ({@code pctls} in {@code report.go}). */
    static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};
    private static final int BUCKETS = 10;
    private static final double NANOS = 1e9;

    static Summary of(String name, Histogram h, long totalNanos, Map<String, Long> errors) {
        long n = h.getTotalCount();
        double total = totalNanos / NANOS;
        double[] pct = new double[PERCENTILES.length];
        double[] marks = new double[BUCKETS + 1];
        long[] counts = new long[BUCKETS + 1];
        if (n == 0) {
            return new Summary(name, 0, total, 0, 0, 0, 0, 0, pct, marks, counts, Map.copyOf(errors));
        }
        for (int i = 0; i < PERCENTILES.length; i++) {
            pct[i] = h.getValueAtPercentile(PERCENTILES[i]) / NANOS;
        }
        double fastest = h.getMinValue() / NANOS;
        double slowest = h.getMaxValue() / NANOS;
        double step = (slowest - fastest) / BUCKETS;
        for (int i = 0; i < BUCKETS; i++) {
            marks[i] = fastest + step * i;
        }
        marks[BUCKETS] = slowest;
        for (HistogramIterationValue v : h.recordedValues()) {
            long raw = v.getValueIteratedTo();
            // The bucket holding the minimum belongs to "fastest", the one holding the maximum to "slowest".
            double value = h.lowestEquivalentValue(raw) <= h.getMinValue() ? fastest
                    : Math.min(slowest, h.highestEquivalentValue(raw) / NANOS);
            int b = 0;
            while (b < BUCKETS && value > marks[b]) {
                b++;
            }
            counts[b] += v.getCountAtValueIteratedTo();
        }
        double rps = total > 0 ? n / total : 0;
        return new Summary(name, n, total, fastest, slowest, h.getMean() / NANOS, h.getStdDeviation() / NANOS,
                rps, pct, marks, counts, Map.copyOf(errors));
    }

    /** The latency at percentile {@code p} (one of {@link #PERCENTILES}), in seconds. */
    double percentile(double p) {
        for (int i = 0; i < PERCENTILES.length; i++) {
            if (PERCENTILES[i] == p) {
                return percentiles[i];
            }
        }
        throw new IllegalArgumentException("not a reported percentile: " + p);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * etcd's text report. {@code precise} prints full precision ({@code %g}) instead of {@code %4.4f}.
     */
    String text(boolean precise) {
        String p = precise ? "%g" : "%4.4f";
        StringBuilder s = new StringBuilder();
        if (requests > 0) {
            s.append("\nSummary:\n");
            s.append(fmt("  Total:\t" + p + " secs.\n", totalSeconds));
            s.append(fmt("  Slowest:\t" + p + " secs.\n", slowestSeconds));
            s.append(fmt("  Fastest:\t" + p + " secs.\n", fastestSeconds));
            s.append(fmt("  Average:\t" + p + " secs.\n", averageSeconds));
            s.append(fmt("  Stddev:\t" + p + " secs.\n", stddevSeconds));
            s.append(fmt("  Requests/sec:\t" + p + "\n", requestsPerSecond));
            s.append("\nResponse time histogram:\n");
            long max = 0;
            for (long c : bucketCounts) {
                max = Math.max(max, c);
            }
            for (int i = 0; i < buckets.length; i++) {
                int bar = max > 0 ? (int) (bucketCounts[i] * 40 / max) : 0;
                s.append(fmt("  " + p + " [%d]\t|%s\n", buckets[i], bucketCounts[i], "∎".repeat(bar)));
            }
            s.append("\nLatency distribution:\n");
            for (int i = 0; i < PERCENTILES.length; i++) {
                if (percentiles[i] > 0) {
                    s.append(fmt("  %s%% in %.3f ms.\n", pctLabel(PERCENTILES[i]), percentiles[i] * 1000));
                }
            }
        }
        if (!errors.isEmpty()) {
            s.append("\nError distribution:\n");
            errors.forEach((err, count) -> s.append(fmt("  [%d]\t%s\n", count, err)));
        }
        return s.toString();
    }

    /** One JSON object (no newline): milliseconds for latencies, seconds for the total. */
    String json() {
        StringBuilder s = new StringBuilder(512);
        s.append('{');
        field(s, "name", name).append(',');
        s.append("\"requests\":").append(requests).append(',');
        s.append("\"errors\":").append(errorCount()).append(',');
        num(s, "total_seconds", totalSeconds).append(',');
        num(s, "requests_per_second", requestsPerSecond).append(',');
        num(s, "average_ms", averageSeconds * 1000).append(',');
        num(s, "fastest_ms", fastestSeconds * 1000).append(',');
        num(s, "slowest_ms", slowestSeconds * 1000).append(',');
        num(s, "stddev_ms", stddevSeconds * 1000).append(',');
        num(s, "p50_ms", percentile(50) * 1000).append(',');
        num(s, "p90_ms", percentile(90) * 1000).append(',');
        num(s, "p99_ms", percentile(99) * 1000).append(',');
        num(s, "p99.9_ms", percentile(99.9) * 1000).append(',');
        s.append("\"percentiles_ms\":{");
        for (int i = 0; i < PERCENTILES.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            num(s, pctLabel(PERCENTILES[i]), percentiles[i] * 1000);
        }
        s.append("},\"histogram\":[");
        for (int i = 0; i < buckets.length && requests > 0; i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append('{');
            num(s, "le_ms", buckets[i] * 1000).append(",\"count\":").append(bucketCounts[i]).append('}');
        }
        s.append("],\"error_distribution\":{");
        List<Map.Entry<String, Long>> errs = new ArrayList<>(errors.entrySet());
        for (int i = 0; i < errs.size(); i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append(quote(errs.get(i).getKey())).append(':').append(errs.get(i).getValue());
        }
        s.append("}}");
        return s.toString();
    }

    private static String pctLabel(double p) {
        return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static StringBuilder field(StringBuilder s, String key, String value) {
        return s.append(quote(key)).append(':').append(quote(value));
    }

    private static StringBuilder num(StringBuilder s, String key, double value) {
        s.append(quote(key)).append(':');
        if (Double.isFinite(value)) {
            s.append(fmt("%.6f", value));
        } else {
            s.append("null");
        }
        return s;
    }

    /** A JSON string literal. */
    static String quote(String v) {
        StringBuilder s = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20) {
                        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
