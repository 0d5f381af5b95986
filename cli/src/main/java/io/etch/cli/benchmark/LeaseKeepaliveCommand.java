package io.etch.cli.benchmark;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code benchmark lease-keepalive} (etcd {@code tools/benchmark/cmd/lease.go}): each client grants a
 * lease (TTL 100 s), then {@code --total} keep-alives are shared by the clients, one in flight per
 * client. Each client keeps one LeaseKeepAlive stream open (etcd's tool opens one per request with
 * {@code KeepAliveOnce}); the latency is request sent → response received. Leases are revoked at the end.
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
            KeepAliveStream[] streams = new KeepAliveStream[clients];
            try {
                for (int c = 0; c < clients; c++) {
                    LeaseGrantResponse g = LeaseGrpc.newBlockingStub(conns.forClient(c))
                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(100).build());
                    leases[c] = g.getID();
                    streams[c] = new KeepAliveStream();
                    streams[c].requests = LeaseGrpc.newStub(conns.forClient(c)).leaseKeepAlive(streams[c]);
                }
            } catch (RuntimeException e) {
                System.err.println("lease grant failed: " + Recorder.describe(e));
                return 1;
            }
            Recorder rec = new Recorder("lease-keepalive");
            try (Progress bar = parent.progress(total)) {
                new ClosedLoop(clients, total, new RateLimiter(0), rec, bar,
                        (client, seq, done) -> streams[client].send(leases[client], done)).run();
            }
            for (int c = 0; c < clients; c++) {
                streams[c].close();
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

    /** One client's keep-alive stream with at most one request in flight. */
    private static final class KeepAliveStream implements StreamObserver<LeaseKeepAliveResponse> {
        StreamObserver<LeaseKeepAliveRequest> requests;
        private ClosedLoop.Done pending;
        private Throwable failed;

        void send(long id, ClosedLoop.Done done) {
            Throwable f;
            synchronized (this) {
                f = failed;
                if (f == null) {
                    pending = done;
                    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                }
            }
            if (f != null) {
                done.failed(f);
            }
        }

        @Override
        public void onNext(LeaseKeepAliveResponse r) {
            ClosedLoop.Done d;
            synchronized (this) {
                d = pending;
                pending = null;
            }
            if (d != null) {
                if (r.getTTL() <= 0) {
                    d.failed(new IllegalStateException("lease " + r.getID() + " expired or not found"));
                } else {
                    d.ok();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            ClosedLoop.Done d;
            synchronized (this) {
                failed = t;
                d = pending;
                pending = null;
            }
            if (d != null) {
                d.failed(t);
            }
        }

        @Override
        public void onCompleted() {
            onError(new IllegalStateException("keep-alive stream closed by the server"));
        }

        synchronized void close() {
            if (failed == null) {
                failed = new IllegalStateException("closed");
                requests.onCompleted();
            }
        }
    }
}
