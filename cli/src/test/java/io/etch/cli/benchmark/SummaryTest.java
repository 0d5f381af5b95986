package io.etch.cli.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SummaryTest {

    private static Summary fourRequests() {
        // The example of Summary's javadoc: 1, 2, 3 and 4 ms over 10 ms.
        Histogram h = new Histogram(Recorder.MAX_NANOS, 3);
        for (long ms = 1; ms <= 4; ms++) {
            h.recordValue(ms * 1_000_000);
        }
        return Summary.of("put", h, 10_000_000, Map.of());
    }

    @Test
    void summaryOfTheJavadocExample() {
        Summary s = fourRequests();
        assertThat(s.requests()).isEqualTo(4);
        assertThat(s.totalSeconds()).isCloseTo(0.01, within(1e-12));
        assertThat(s.requestsPerSecond()).isCloseTo(400, within(1e-9));
        assertThat(s.averageSeconds()).isCloseTo(0.0025, within(0.0025 * 0.001));
        assertThat(s.fastestSeconds()).isCloseTo(0.001, within(0.001 * 0.001));
        assertThat(s.slowestSeconds()).isCloseTo(0.004, within(0.004 * 0.001));
        assertThat(s.percentile(50)).isCloseTo(0.002, within(0.002 * 0.001));
        assertThat(s.percentile(99)).isCloseTo(0.004, within(0.004 * 0.001));
        assertThat(s.percentile(10)).isCloseTo(0.001, within(0.001 * 0.001));
    }

    @Test
    void percentilesOfAUniformDistribution() {
        Histogram h = new Histogram(Recorder.MAX_NANOS, 3);
        for (long us = 1; us <= 10_000; us++) {
            h.recordValue(us * 1000); // 1 µs .. 10 ms
        }
        Summary s = Summary.of("range-l", h, 1_000_000_000, Map.of());
        assertThat(s.percentile(50)).isCloseTo(0.005, within(0.005 * 0.002));
        assertThat(s.percentile(90)).isCloseTo(0.009, within(0.009 * 0.002));
        assertThat(s.percentile(99)).isCloseTo(0.0099, within(0.0099 * 0.002));
        assertThat(s.percentile(99.9)).isCloseTo(0.00999, within(0.00999 * 0.002));
        assertThat(s.requestsPerSecond()).isEqualTo(10_000);
        // every request lands in exactly one histogram bucket
        long sum = 0;
        for (long c : s.bucketCounts()) {
            sum += c;
        }
        assertThat(sum).isEqualTo(10_000);
        assertThat(s.bucketCounts()[0]).isEqualTo(1); // the fastest alone, as in etcd's report
    }

    @Test
    void textReportHasEtcdsSections() {
        String text = fourRequests().text(false);
        assertThat(text).startsWith("\nSummary:\n  Total:\t0.0100 secs.\n");
        assertThat(text).contains("  Requests/sec:\t400.0000\n");
        assertThat(text).contains("\nResponse time histogram:\n  0.0010 [1]\t|∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎∎\n");
        assertThat(text).contains("\nLatency distribution:\n  10% in 1.000 ms.\n");
        assertThat(text).contains("  99.9% in 4.002 ms.\n");
        assertThat(text).doesNotContain("Error distribution");
    }

    @Test
    void errorsAreListedAndCountedInJson() {
        Histogram h = new Histogram(Recorder.MAX_NANOS, 3);
        Summary s = Summary.of("put", h, 0, Map.of("rpc error: code = UNAVAILABLE desc = \"x\"", 3L));
        assertThat(s.text(false)).isEqualTo("\nError distribution:\n  [3]\trpc error: code = UNAVAILABLE desc = \"x\"\n");
        assertThat(s.json()).contains("\"requests\":0,\"errors\":3,")
                .contains("\"error_distribution\":{\"rpc error: code = UNAVAILABLE desc = \\\"x\\\"\":3}")
                .contains("\"histogram\":[]");
    }

    @Test
    void jsonHasTheFieldsScriptsRead() {
        String json = fourRequests().json();
        assertThat(json).startsWith("{\"name\":\"put\",\"requests\":4,\"errors\":0,\"total_seconds\":0.010000,"
                + "\"requests_per_second\":400.000000,");
        assertThat(json).contains("\"p50_ms\":2.000", "\"p99_ms\":4.00", "\"p99.9_ms\":4.00",
                "\"percentiles_ms\":{\"10\":1.000", "\"99.9\":4.00", "{\"le_ms\":0.999");
        assertThat(json).endsWith("\"error_distribution\":{}}");
    }

    @Test
    void recorderMeasuresFromFirstStartToLastEnd() {
        Recorder r = new Recorder("x");
        long t0 = System.nanoTime();
        r.latency(5_000_000, t0 + 10_000_000);
        r.started(t0);
        r.failure(t0, new IllegalStateException("boom"));
        Summary s = r.summary();
        assertThat(s.requests()).isEqualTo(1);
        assertThat(s.errors()).containsEntry("java.lang.IllegalStateException: boom", 1L);
        assertThat(s.totalSeconds()).isGreaterThanOrEqualTo(0.01);
    }
}
