package io.etch.server.api;

import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseGrpc;
import io.etch.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etch.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etch.api.etcdserverpb.LeaseLeasesRequest;
import io.etch.api.etcdserverpb.LeaseLeasesResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.LeaseStatus;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.api.etchpb.RaftCommand;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.etch.storage.lease.Lease;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's {@code etcdserverpb.Lease} service ({@code v3rpc/lease.go} + {@code v3_server.go}, reference §2.3,
 * §3.7). Grant and revoke go through raft (the receiving member picks the ID when it is 0); keep-alive and
 * time-to-live are answered by the leader's lessor (forwarded from followers); the lease list is read
 * locally. Headers are {cluster_id, member_id, revision, raft_term} like KV's.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase implements AutoCloseable {
    private final MemberContext member;
    private final LeaderGuard guard;

    public LeaseService(MemberContext member) {
        this.member = member;
        this.guard = new LeaderGuard(member.raft(), member.config().electionTimeoutMs());
    }

    /**
     * The service behind etcd's stream checks ({@link LeaderGuard}): a keep-alive stream opened with metadata
     * {@code hasleader: true} fails with {@code Unavailable "etcdserver: no leader"} when this member knows
     * no leader, at once or after it has known none for a few election timeouts.
     */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(this, guard.interceptor());
    }

    /** Stops the leader monitor. */
    @Override
    public void close() {
        guard.close();
    }

    @Override
    public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
        Calls.unary(out, () -> {
            LeaseGrantRequest r = request.getID() != 0 ? request
                    : request.toBuilder().setID(member.raft().leases().nextId()).build();
            return member.propose(RaftCommand.newBuilder().setLeaseGrant(r)).thenApply(res -> {
                LeaseGrantResponse g = res.getLeaseGrant();
                return g.toBuilder().setHeader(member.header(g.getHeader().getRevision())).build();
            });
        });
    }

    @Override
    public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
        Calls.unary(out, () -> member.propose(RaftCommand.newBuilder().setLeaseRevoke(request)).thenApply(res -> {
            LeaseRevokeResponse r = res.getLeaseRevoke();
            return r.toBuilder().setHeader(member.header(r.getHeader().getRevision())).build();
        }));
    }

    /** Unknown lease → success with {@code TTL -1} (etcd {@code v3rpc/lease.go}). */
    @Override
    public void leaseTimeToLive(LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
        Calls.unary(out, () -> member.raft().leases().timeToLive(request).thenApply(found -> found
                .orElseGet(() -> LeaseTimeToLiveResponse.newBuilder().setID(request.getID()).setTTL(-1).build())
                .toBuilder().setHeader(member.currentHeader()).build()));
    }

    /**
     * Every lease in this member's store, after a read index: etcd reads its local lessor, but there a
     * member has applied its own acknowledged writes, which a write forwarded to the leader here does not
     * guarantee; the barrier gives the same read-your-writes on every member.
     */
    @Override
    public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
        Calls.unary(out, () -> member.raft().readBarrier().thenApply(v -> {
            List<Lease> leases = member.stores().read(s -> s.leases());
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(member.currentHeader());
            for (Lease l : leases) {
                b.addLeases(LeaseStatus.newBuilder().setID(l.id()));
            }
            return b.build();
        }));
    }

    /**
     * One response per request, in order, each {@code {header, ID, TTL}}: TTL is the granted TTL after the
     * renewal, or 0 when the lease does not exist. The header is taken before renewing (etcd does so, so
     * that the revision is not after a revoke the renewal raced with). Any other failure ends the stream
     * with its status.
     */
    @Override
    public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
        return new KeepAliveStream((ServerCallStreamObserver<LeaseKeepAliveResponse>) out, LeaderGuard.requested());
    }

    /** One keep-alive stream: requests are renewed one after the other; every send holds the monitor. */
    private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
        private final ServerCallStreamObserver<LeaseKeepAliveResponse> out;
        private final Runnable onNoLeader = () -> fail(ErrorTable.status(EtcdError.NO_LEADER).asRuntimeException());
        private final boolean guarded;
        private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        private boolean done;

        KeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> out, boolean guarded) {
            this.out = out;
            this.guarded = guarded;
            if (guarded) {
                guard.register(onNoLeader);
            }
        }

        @Override
        public synchronized void onNext(LeaseKeepAliveRequest request) {
            tail = tail.thenCompose(v -> isDone() ? CompletableFuture.completedFuture(null) : renew(request));
        }

        private CompletableFuture<Void> renew(LeaseKeepAliveRequest request) {
            LeaseKeepAliveResponse.Builder resp = LeaseKeepAliveResponse.newBuilder()
                    .setHeader(member.currentHeader()).setID(request.getID());
            return member.raft().leases().renew(request.getID()).handle((ttl, e) -> {
                if (e == null) {
                    send(resp.setTTL(ttl).build());
                } else if (isNotFound(e)) {
                    send(resp.setTTL(0).build());
                } else {
                    fail(ErrorTable.toStatus(e));
                }
                return null;
            });
        }

        private synchronized boolean isDone() {
            return done || out.isCancelled();
        }

        private synchronized void send(LeaseKeepAliveResponse r) {
            if (!isDone()) {
                out.onNext(r);
            }
        }

        private synchronized void fail(Throwable status) {
            if (!isDone()) {
                finish();
                out.onError(status);
            }
        }

        private void finish() {
            done = true;
            if (guarded) {
                guard.unregister(onNoLeader);
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            finish();
        }

        @Override
        public synchronized void onCompleted() {
            tail = tail.thenRun(() -> {
                synchronized (this) {
                    if (!isDone()) {
                        finish();
                        out.onCompleted();
                    }
                }
            });
        }
    }

    private static boolean isNotFound(Throwable e) {
        Throwable c = e;
        while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c instanceof EtcdException ee && ee.error() == EtcdError.LEASE_NOT_FOUND;
    }
}
