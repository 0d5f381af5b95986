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
}
