package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark watch-latency}, as etcd 3.4's {@code tools/benchmark/cmd/watch_latency.go}: {@code --clients}
 * watchers of one random key ({@link LatencyWatchers}: watcher {@code i} on connection {@code i mod --conns},
 * one stream per connection), and {@code --total} puts of one random value to it, one at a time, at most
 * {@code --put-rate} per second, from a connection of their own (the next endpoint round robin, as etcd's
 * {@code mustCreateConn}). Each put is sent, and when it has returned the clock starts; the latency of each
 * watcher is from then to its receiving the put's event, or 0 when the event came first (etcd's tool then
 * measures how soon its goroutine runs). The next put waits until every watcher has its event. Reports
 * {@code --total × --clients} latencies.
 *
 * <p>Unlike etcd's tool, the puts start only once every watcher is created, so that the first put's events
 * cannot be missed, and a watcher that has not received an event within 10 s ends the run with an error
 * (etcd's tool waits forever).
 */
@Command(name = "watch-latency", mixinStandardHelpOptions = true, description = "Benchmark watch latency")
final class WatchLatencyCommand implements Callable<Integer> {
    private static final long EVENT_TIMEOUT_MS = 10_000;

    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests")
    long total;

    @Option(names = "--put-rate", defaultValue = "100", description = "Number of keys to put per second")
    long putRate;

    @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch response")
    int keySize;

    @Option(names = "--val-size", defaultValue = "32", description = "Value size of watch response")
    int valSize;

    @Override
    public Integer call() throws Exception {
        if (putRate <= 0) {
            System.err.println("expected positive --put-rate, got (" + putRate + ")");
            return 1;
        }
        int watchers = Math.max(1, parent.global.clients);
        int watchConns = Math.max(1, parent.global.conns);
        PutRequest put = PutRequest.newBuilder().setKey(Keys.randomString(keySize))
                .setValue(Keys.randomString(valSize)).build();
        try (Connections conns = Connections.open(parent.global, watchConns + 1)) {
            List<ManagedChannel> watchChannels = new ArrayList<>();
            for (int i = 0; i < watchConns; i++) {
                watchChannels.add(conns.conn(i));
            }
            KVGrpc.KVBlockingStub putClient = KVGrpc.newBlockingStub(conns.conn(watchConns));
            Recorder rec = new Recorder("watch-latency");
            try (LatencyWatchers ws = new LatencyWatchers(watchChannels, watchers, put.getKey())) {
                String notCreated = ws.awaitCreated(parent.global.dialTimeoutMs() + EVENT_TIMEOUT_MS);
                if (notCreated != null) {
                    System.err.println("watch-latency: " + notCreated);
                    return 1;
                }
                String failed = run(ws, putClient, put, rec);
                parent.print(null, rec.summary());
                if (failed != null) {
                    System.err.println(failed);
                    return 1;
                }
                return 0;
            }
        }
    }

    /** The puts; returns null, or why the run stopped early. */
    private String run(LatencyWatchers ws, KVGrpc.KVBlockingStub putClient, PutRequest put, Recorder rec)
            throws InterruptedException {
        // rate.NewLimiter(putRate, putRate): a bucket of a second's puts, full at the start; all tokens
        // before `bucket` have been taken
        long interval = TimeUnit.SECONDS.toNanos(1) / putRate;
        long burst = interval * putRate;
        long bucket = System.nanoTime() - burst;
        try (Progress bar = parent.progress(total)) {
            for (long i = 0; i < total; i++) {
                long now = System.nanoTime();
                bucket = Math.max(bucket, now - burst) + interval;
                for (long wait = bucket - now; wait > 0; wait = bucket - System.nanoTime()) {
                    LockSupport.parkNanos(wait); // the rate's wait, not a synchronisation
                }
                LatencyWatchers.Round round = ws.startRound();
                long sent = System.nanoTime();
                try {
                    putClient.put(put);
                } catch (RuntimeException e) {
                    rec.failure(sent, e);
                    return "Failed to Put for watch latency benchmark: " + Recorder.describe(e);
                }
                long st = System.nanoTime();
                rec.started(st);
                boolean all = round.await(EVENT_TIMEOUT_MS);
                for (int w = 0; w < ws.size(); w++) {
                    long at = round.arrival(w);
                    if (at >= 0) {
                        rec.latency(Math.max(0, at - st), Math.max(at, st));
                    }
                }
                bar.increment();
                if (!all) {
                    Throwable why = ws.failure();
                    return "watch-latency: a watcher did not receive put " + (i + 1) + "'s event within "
                            + EVENT_TIMEOUT_MS + " ms" + (why == null ? "" : ": " + Recorder.describe(why));
                }
            }
        }
        return null;
    }
}
