package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark put} (etcd {@code tools/benchmark/cmd/put.go}, 3.4): {@code --total} Puts of a
 * {@code --key-size} varint key (sequential or random in {@code --key-space-size}) and one random
 * {@code --val-size} value, by {@code --clients} closed-loop clients, at most {@code --rate} per second.
 */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Benchmark put")
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of put request")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of put request")
    int valSize;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum puts per second (0 is no limit)")
    long rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests")
    long total;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys")
    long keySpaceSize;

    @Option(names = "--sequential-keys", description = "Use sequential keys")
    boolean sequentialKeys;

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0) {
            System.err.println("expected positive --key-space-size, got (" + keySpaceSize + ")");
            return 1;
        }
        ByteString value = Keys.randomString(valSize);
        try (Connections conns = parent.connect(1)) {
            KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
            for (int i = 0; i < stubs.length; i++) {
                stubs[i] = KVGrpc.newStub(conns.conn(i));
            }
            Recorder rec = new Recorder("put");
            try (Progress bar = parent.progress(total)) {
                new ClosedLoop(parent.global.clients, total, new RateLimiter(rate), rec, bar, (client, seq, done) -> {
                    PutRequest req = PutRequest.newBuilder()
                            .setKey(Keys.varintKey(Keys.keyNumber(seq, keySpaceSize, sequentialKeys), keySize))
                            .setValue(value).build();
                    stubs[client % stubs.length].put(req, Unary.of(done));
                }).run();
            }
            return parent.print(null, rec.summary());
        }
    }
}
