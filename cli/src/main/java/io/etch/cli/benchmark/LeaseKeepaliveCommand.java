package io.etch.cli.benchmark;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark lease-keepalive} (etcd {@code tools/benchmark/cmd/lease.go}): each client grants a
 * lease (TTL 100 s), then {@code --total} keep-alives are shared by the clients, one in flight per
 * client. Each keep-alive is clientv3's {@code KeepAliveOnce}: a LeaseKeepAlive stream opened for it, one
 * request, one response, the stream cancelled; the latency is from opening the stream to the response.
 * Leases are revoked at the end (etcd's tool leaves them to expire).
 */
@Command(name = "lease-keepalive", mixinStandardHelpOptions = true, description = "Benchmark lease keepalive")
final class LeaseKeepaliveCommand implements Callable<Integer> {
    @ParentCommand
    BenchmarkCommand parent;

    @Option(names = "--total", defaultValue = "10000", description = "Total number of lease keepalive requests")
    long total;

    @Override
    public Integer call() throws Exception {
        int clients = Math.max(1, parent.global.clients);
        try (Connections conns = parent.connect(1)) {
            long[] leases = new long[clients];
            LeaseGrpc.LeaseStub[] stubs = new LeaseGrpc.LeaseStub[clients];
            try {
                for (int c = 0; c < clients; c++) {
                    LeaseGrantResponse g = LeaseGrpc.newBlockingStub(conns.forClient(c))
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(100).build());
                    leases[c] = g.getID();
                    stubs[c] = LeaseGrpc.newStub(conns.forClient(c));
                }
            } catch (RuntimeException e) {
                System.err.println("lease grant failed: " + Recorder.describe(e));
                return 1;
            }
            Recorder rec = new Recorder("lease-keepalive");
            try (Progress bar = parent.progress(total)) {
                new ClosedLoop(clients, total, new RateLimiter(0), rec, bar,
                        (client, seq, done) -> KeepAliveOnce.send(stubs[client], leases[client], done)).run();
            }
            for (int c = 0; c < clients; c++) {
                try {
                    LeaseGrpc.newBlockingStub(conns.forClient(c)).withDeadlineAfter(5, TimeUnit.SECONDS)
                            .leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leases[c]).build());
                } catch (RuntimeException ignored) {
                    // best effort: the lease expires by itself
                }
            }
            return parent.print(null, rec.summary());
        }
    }

    /**
     * One keep-alive as clientv3's {@code KeepAliveOnce} does it ({@code clientv3/lease.go keepAliveOnce}): a
     * LeaseKeepAlive stream of its own, one request, the first response, then the stream cancelled.
     */
    private static final class KeepAliveOnce
            implements ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
        private final ClosedLoop.Done done;
        private ClientCallStreamObserver<LeaseKeepAliveRequest> call;
        private boolean finished; // guarded by this

        KeepAliveOnce(ClosedLoop.Done done) {
            this.done = done;
        }

        static void send(LeaseGrpc.LeaseStub stub, long id, ClosedLoop.Done done) {
            StreamObserver<LeaseKeepAliveRequest> requests = stub.leaseKeepAlive(new KeepAliveOnce(done));
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> requestStream) {
            call = requestStream;
        }

        private synchronized boolean finish() {
            boolean first = !finished;
            finished = true;
            return first;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse r) {
            if (!finish()) {
                return;
            }
            call.cancel("keep-alive answered", null);
            if (r.getTTL() <= 0) {
                done.failed(new IllegalStateException("etcdserver: requested lease not found"));
            } else {
                done.ok();
            }
        }

        @Override
        public void onError(Throwable t) {
            if (finish()) {
                done.failed(t);
            }
        }

        @Override
        public void onCompleted() {
            onError(new IllegalStateException("keep-alive stream closed by the server before its answer"));
        }
    }
}
