package io.etch.server.http;

import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.HashRequest;
import io.etch.api.etcdserverpb.MemberListRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.server.api.ClusterService;
import io.etch.server.api.KvService;
import io.etch.server.api.MaintenanceService;

/**
 * The path → method table of etcd 3.4's gateway (its {@code google.api.http} annotations in
 * {@code rpc.proto}), one method per service. Note that etcd maps both Hash and HashKV to
 * {@code /v3/maintenance/hash}, where Hash wins, so HashKV has no route.
 */
public final class JsonRoutes {
    private JsonRoutes() {
    }

    public static void kv(JsonGateway g, KvService kv) {
        g.unary("/v3/kv/range", RangeRequest.getDefaultInstance(), kv::range)
                .unary("/v3/kv/put", PutRequest.getDefaultInstance(), kv::put)
                .unary("/v3/kv/deleterange", DeleteRangeRequest.getDefaultInstance(), kv::deleteRange)
                .unary("/v3/kv/txn", TxnRequest.getDefaultInstance(), kv::txn)
                .unary("/v3/kv/compaction", CompactionRequest.getDefaultInstance(), kv::compact);
    }

    public static void maintenance(JsonGateway g, MaintenanceService m) {
        g.unary("/v3/maintenance/alarm", AlarmRequest.getDefaultInstance(), m::alarm)
                .unary("/v3/maintenance/status", StatusRequest.getDefaultInstance(), m::status)
                .unary("/v3/maintenance/defragment", DefragmentRequest.getDefaultInstance(), m::defragment)
                .unary("/v3/maintenance/hash", HashRequest.getDefaultInstance(), m::hash);
    }

    public static void cluster(JsonGateway g, ClusterService c) {
        g.unary("/v3/cluster/member/list", MemberListRequest.getDefaultInstance(), c::memberList);
    }

    public static void lease(JsonGateway g, io.etch.server.api.LeaseService l) {
        for (String base : new String[] {"/v3/lease/", "/v3/kv/lease/"}) {
            g.unary(base + "revoke", io.etch.api.etcdserverpb.LeaseRevokeRequest.getDefaultInstance(), l::leaseRevoke)
                    .unary(base + "timetolive", io.etch.api.etcdserverpb.LeaseTimeToLiveRequest.getDefaultInstance(),
                            l::leaseTimeToLive)
                    .unary(base + "leases", io.etch.api.etcdserverpb.LeaseLeasesRequest.getDefaultInstance(),
                            l::leaseLeases);
        }
        g.unary("/v3/lease/grant", io.etch.api.etcdserverpb.LeaseGrantRequest.getDefaultInstance(), l::leaseGrant)
                .stream("/v3/lease/keepalive", io.etch.api.etcdserverpb.LeaseKeepAliveRequest.getDefaultInstance(),
                        l::leaseKeepAlive);
    }

    public static void watch(JsonGateway g, io.etch.server.api.WatchService w) {
        g.stream("/v3/watch", io.etch.api.etcdserverpb.WatchRequest.getDefaultInstance(), w::watch);
    }

    public static void concurrency(JsonGateway g, io.etch.server.concurrency.ConcurrencyServices c) {
        g.unary("/v3/lock/lock", io.etch.api.v3lockpb.LockRequest.getDefaultInstance(), c.lock()::lock)
                .unary("/v3/lock/unlock", io.etch.api.v3lockpb.UnlockRequest.getDefaultInstance(), c.lock()::unlock)
                .unary("/v3/election/campaign", io.etch.api.v3electionpb.CampaignRequest.getDefaultInstance(),
                        c.election()::campaign)
                .unary("/v3/election/proclaim", io.etch.api.v3electionpb.ProclaimRequest.getDefaultInstance(),
                        c.election()::proclaim)
                .unary("/v3/election/leader", io.etch.api.v3electionpb.LeaderRequest.getDefaultInstance(),
                        c.election()::leader)
                .unary("/v3/election/resign", io.etch.api.v3electionpb.ResignRequest.getDefaultInstance(),
                        c.election()::resign);
        g.<io.etch.api.v3electionpb.LeaderRequest, io.etch.api.v3electionpb.LeaderResponse>stream(
                "/v3/election/observe", io.etch.api.v3electionpb.LeaderRequest.getDefaultInstance(),
                out -> serverStreaming(c.election()::observe, out));
    }

    /** A server-streaming method as a stream route: each request starts the method on the shared output. */
    private static <Q, R> io.grpc.stub.StreamObserver<Q> serverStreaming(
            java.util.function.BiConsumer<Q, io.grpc.stub.StreamObserver<R>> method, io.grpc.stub.StreamObserver<R> out) {
        return new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(Q request) {
                method.accept(request, out);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
