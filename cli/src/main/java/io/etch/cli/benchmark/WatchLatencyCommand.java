package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark watch-latency} (etcd {@code tools/benchmark/cmd/watch_latency.go}): {@code --clients}
 * watchers of one key, each on its own stream, and {@code --total} puts of that key at {@code --put-rate}
 * by one client. Reports the latency from each put being sent to its delivery to each watcher (etcd's
 * tool starts the clock when the put returns).
 */
@Command(name = "watch-latency", mixinStandardHelpOptions = true, description = "Benchmark watch latency")
final class WatchLatencyCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests")
    long total;

    @Option(names = "--put-rate", defaultValue = "100", description = "Number of keys to put per second")
    long putRate;

    @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch response")
    int keySize;

    @Option(names = "--val-size", defaultValue = "32", description = "Value size of watch response (at least 8)")
    int valSize;

    @Override
    public Integer call() throws Exception {
        ByteString key = Keys.randomString(keySize);
        try (Connections conns = parent.connect(1)) {
            WatchRunner run = new WatchRunner(parent, conns, Math.max(1, parent.global.clients), 1, List.of(key),
                    "watch-latency-put", "watch-latency");
            try {
                if (!run.createWatchers(60_000)) {
                    parent.print(parent.global.json() ? null : "Watch creation summary:\n", run.createRecorder().summary());
                    System.err.println("not every watcher was created");
                    return 1;
                }
                run.putAndReceive(1, total, putRate, valSize, true, 10_000);
                return parent.print(null, run.eventRecorder().summary());
            } finally {
                run.close();
            }
        }
    }
}
