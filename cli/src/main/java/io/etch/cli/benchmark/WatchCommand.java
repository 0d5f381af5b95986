package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark watch} (etcd 3.4 {@code tools/benchmark/cmd/watch.go} flags): {@code --streams ×
 * --watch-per-stream} watchers on {@code --key-space-size} keys, then {@code --put-total} puts at
 * {@code --put-rate}. Reports watch creation latency, put latency, and (unlike etcd's tool, which only
 * counts events) the latency of every event from its put being sent to its delivery to each watcher.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Benchmark watch")
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--streams", defaultValue = "10", description = "Total watch streams")
    int streams;

    @Option(names = "--watch-per-stream", defaultValue = "100", description = "Total watchers per stream")
    int watchPerStream;

    @Option(names = "--put-total", defaultValue = "1000", description = "Number of put requests")
    long putTotal;

    @Option(names = "--put-rate", defaultValue = "0", description = "Number of keys to put per second (0 is no limit)")
    long putRate;

    @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch request")
    int keySize;

    @Option(names = "--val-size", defaultValue = "32", description = "Value size of put request (at least 8)")
    int valSize;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys")
    int keySpaceSize;

    @Option(names = "--sequential-keys", description = "Use sequential keys")
    boolean sequentialKeys;

    @Option(names = "--settle-timeout", defaultValue = "10000",
            description = "ms to wait for outstanding events after the last one arrived")
    long settleMs;

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0 || streams <= 0 || watchPerStream <= 0) {
            System.err.println("expected positive --key-space-size, --streams and --watch-per-stream");
            return 1;
        }
        List<ByteString> keys = new ArrayList<>(keySpaceSize);
        ByteString prefix = Keys.randomString(Math.max(0, keySize - 8));
        for (int i = 0; i < keySpaceSize; i++) {
            keys.add(prefix.concat(Keys.varintKey(i, Math.min(8, keySize))));
        }
        try (Connections conns = parent.connect(1)) {
            WatchRunner run = new WatchRunner(parent, conns, streams, watchPerStream, keys, "watch-put", "watch-event");
            try {
                boolean ok = run.createWatchers(Math.max(60_000, streams * (long) watchPerStream * 10));
                int rc = parent.print(parent.global.json() ? null : "Watch creation summary:\n", run.createRecorder().summary());
                if (!ok) {
                    System.err.println("not every watcher was created; see the errors above");
                    return 1;
                }
                run.putAndReceive(parent.global.clients, putTotal, putRate, valSize, sequentialKeys, settleMs);
                rc |= parent.print(parent.global.json() ? null : "Put summary:\n", run.putRecorder().summary());
                rc |= parent.print(parent.global.json() ? null : "Watch event latency summary (put sent → event delivered, per watcher):\n",
                        run.eventRecorder().summary());
                return rc;
            } finally {
                run.close();
            }
        }
    }
}
