package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark range key [end-range]} (etcd {@code tools/benchmark/cmd/range.go}): {@code --total}
 * Ranges, linearizable ({@code --consistency l}, a read index per request) or serializable ({@code s},
 * a local read on whichever member the connection reaches).
 */
@Command(name = "range", mixinStandardHelpOptions = true, description = "Benchmark range")
final class RangeCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Parameters(index = "0", paramLabel = "key")
    String key;

    @Parameters(index = "1", arity = "0..1", paramLabel = "end-range")
    String end;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum range requests per second (0 is no limit)")
    long rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of range requests")
    long total;

    @Option(names = "--consistency", defaultValue = "l", description = "Linearizable(l) or Serializable(s)")
    String consistency;

    @Override
    public Integer call() throws Exception {
        boolean serializable;
        if ("l".equals(consistency)) {
            serializable = false;
            parent.note("bench with linearizable range");
        } else if ("s".equals(consistency)) {
            serializable = true;
            parent.note("bench with serializable range");
        } else {
            System.err.println("--consistency must be l or s");
            return 1;
        }
        RangeRequest.Builder b = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setSerializable(serializable);
        if (end != null) {
            b.setRangeEnd(ByteString.copyFromUtf8(end));
        }
        RangeRequest req = b.build();
        try (Connections conns = parent.connect(1)) {
            KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
            for (int i = 0; i < stubs.length; i++) {
                stubs[i] = KVGrpc.newStub(conns.conn(i));
            }
            Recorder rec = new Recorder(serializable ? "range-s" : "range-l");
            try (Progress bar = parent.progress(total)) {
                new ClosedLoop(parent.global.clients, total, new RateLimiter(rate), rec, bar,
                        (client, seq, done) -> stubs[client % stubs.length].range(req, Unary.of(done))).run();
            }
            return parent.print(null, rec.summary());
        }
    }
}
