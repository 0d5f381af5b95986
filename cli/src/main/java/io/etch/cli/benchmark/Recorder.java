package io.etch.cli.benchmark;

import io.grpc.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Collects the results of one benchmark phase: latencies of successful requests in an HdrHistogram
 * (nanoseconds, 3 significant digits, up to one hour), errors by message, and the wall-clock span
 * from the first start to the last end (etcd {@code pkg/report}: {@code Total} and
 * {@code Requests/sec} = successes / total). Thread-safe and wait-free for recording threads.
 */
final class Recorder {
    static final long MAX_NANOS = TimeUnit.HOURS.toNanos(1);

    private final String name;
    private final ConcurrentHistogram histogram = new ConcurrentHistogram(MAX_NANOS, 3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);

    /** @param name the phase's name in the report ({@code put}, {@code watch-event}, …) */
    Recorder(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    /** Marks {@code startNanos} ({@link System#nanoTime()}) as a request start, for the total time. */
    void started(long startNanos) {
        firstStart.accumulateAndGet(startNanos, Math::min);
    }

    /** Records a successful request that started at {@code startNanos} and ended now. */
    void success(long startNanos) {
        long end = System.nanoTime();
        started(startNanos);
        latency(end - startNanos, end);
    }

    /** Records one latency measured elsewhere (e.g. a watch event), ending at {@code endNanos}. */
    void latency(long nanos, long endNanos) {
        histogram.recordValue(Math.max(0, Math.min(MAX_NANOS, nanos)));
        lastEnd.accumulateAndGet(endNanos, Math::max);
    }

    /** Records a failed request; errors are grouped by their gRPC status text, like etcd's report. */
    void failure(long startNanos, Throwable t) {
        started(startNanos);
        lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
        errors.computeIfAbsent(describe(t), k -> new LongAdder()).increment();
    }

    static String describe(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() == Status.Code.UNKNOWN && s.getDescription() == null) {
            return String.valueOf(t);
        }
        return "rpc error: code = " + s.getCode() + " desc = " + s.getDescription();
    }

    long successes() {
        return histogram.getTotalCount();
    }

    long failures() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** An immutable summary of everything recorded so far. */
    Summary summary() {
        Histogram copy = histogram.copy();
        long first = firstStart.get();
        long last = lastEnd.get();
        long totalNanos = first == Long.MAX_VALUE || last == Long.MIN_VALUE ? 0 : Math.max(0, last - first);
        Map<String, Long> errs = new TreeMap<>();
        errors.forEach((k, v) -> errs.put(k, v.sum()));
        return Summary.of(name, copy, totalNanos, errs);
    }
}
