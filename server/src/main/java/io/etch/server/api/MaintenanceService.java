package io.etch.server.api;

import io.etch.api.etcdserverpb.AlarmRequest;
import io.etch.api.etcdserverpb.AlarmResponse;
import io.etch.api.etcdserverpb.DefragmentRequest;
import io.etch.api.etcdserverpb.DefragmentResponse;
import io.etch.api.etcdserverpb.HashKVRequest;
import io.etch.api.etcdserverpb.HashKVResponse;
import io.etch.api.etcdserverpb.HashRequest;
import io.etch.api.etcdserverpb.HashResponse;
import io.etch.api.etcdserverpb.MaintenanceGrpc;
import io.etch.api.etcdserverpb.StatusRequest;
import io.etch.api.etcdserverpb.StatusResponse;
import io.etch.storage.EtcdError;
import io.etch.storage.HashKvResult;
import io.grpc.stub.StreamObserver;

/**
 * etcd's {@code etcdserverpb.Maintenance} service, the parts a member answers from its own state
 * (etcd {@code v3rpc/maintenance.go}). Alarm and Defragment responses carry no header, as in etcd 3.4.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    /** The etcd server version Etch reports: the API it reproduces. */
    public static final String ETCD_VERSION = "3.4.23";

    private final MemberContext member;

    public MaintenanceService(MemberContext member) {
        this.member = member;
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        Calls.now(out, () -> {
            long leader = member.raft().leaderId();
            StatusResponse.Builder b = StatusResponse.newBuilder()
                    .setHeader(member.currentHeader())
                    .setVersion(ETCD_VERSION)
                    .setDbSize(member.stores().read(s -> s.dbSizeBytes()))
                    .setDbSizeInUse(member.stores().read(s -> s.dbSizeInUseBytes()))
                    .setLeader(leader)
                    .setRaftIndex(member.raft().commitIndex())
                    .setRaftTerm(member.raft().term())
                    .setRaftAppliedIndex(member.raft().appliedIndex());
            if (leader == 0) {
                b.addErrors(EtcdError.NO_LEADER.message());
            }
            return b.build();
        });
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> out) {
        Calls.now(out, () -> HashResponse.newBuilder()
                .setHeader(member.currentHeader())
                .setHash(member.stores().read(s -> s.hash()))
                .build());
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
        Calls.now(out, () -> {
            HashKvResult r = member.stores().read(s -> s.hashKv(request.getRevision()));
            return HashKVResponse.newBuilder()
                    .setHeader(member.header(r.revision()))
                    .setHash(r.hash())
                    .setCompactRevision(r.compactRevision())
                    .build();
        });
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
        // No alarms exist until the quota issue lands: GET answers an empty list, as etcd does without alarms.
        Calls.now(out, AlarmResponse::getDefaultInstance);
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
        Calls.now(out, () -> {
            member.stores().read(s -> {
                s.defragment();
                return null;
            });
            return DefragmentResponse.getDefaultInstance();
        });
    }
}
