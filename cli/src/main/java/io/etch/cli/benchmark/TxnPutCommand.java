package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark txn-put} (etcd 3.4 {@code tools/benchmark/cmd/txn_put.go}): {@code --total} Txns with no
 * compare and {@code --txn-ops} Puts each, keys {@code (i·ops + j) mod --key-space-size} as varints.
 */
@Command(name = "txn-put", mixinStandardHelpOptions = true, description = "Benchmark txn-put")
final class TxnPutCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--key-size", defaultValue = "8", description = "Key size of txn put")
    int keySize;

    @Option(names = "--val-size", defaultValue = "8", description = "Value size of txn put")
    int valSize;

    @Option(names = "--txn-ops", defaultValue = "1", description = "Number of puts per txn")
    int opsPerTxn;

    @Option(names = "--rate", defaultValue = "0", description = "Maximum txns per second (0 is no limit)")
    long rate;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of txn requests")
    long total;

    @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys")
    long keySpaceSize;

    @Override
    public Integer call() throws Exception {
        if (keySpaceSize <= 0 || opsPerTxn <= 0) {
            System.err.println("expected positive --key-space-size and --txn-ops");
            return 1;
        }
        ByteString value = Keys.randomBytes(valSize);
        try (Connections conns = parent.connect(1)) {
            KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
            for (int i = 0; i < stubs.length; i++) {
                stubs[i] = KVGrpc.newStub(conns.conn(i));
            }
            Recorder rec = new Recorder("txn-put");
            try (Progress bar = parent.progress(total)) {
                new ClosedLoop(parent.global.clients, total, new RateLimiter(rate), rec, bar, (client, seq, done) -> {
                    TxnRequest.Builder txn = TxnRequest.newBuilder();
                    for (int j = 0; j < opsPerTxn; j++) {
                        long k = (seq * opsPerTxn + j) % keySpaceSize;
                        txn.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                                .setKey(Keys.varintKey(k, keySize)).setValue(value)));
                    }
                    stubs[client % stubs.length].txn(txn.build(), Unary.of(done));
                }).run();
            }
            return parent.print(null, rec.summary());
        }
    }
}
