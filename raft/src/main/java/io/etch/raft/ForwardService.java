package io.etch.raft;

import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.storage.EtcdException;
import io.grpc.stub.StreamObserver;

/** The leader's end of write forwarding: proposes what a follower sent and answers with the result. */
final class ForwardService extends ForwardGrpc.ForwardImplBase {
    private final RaftMember member;

    ForwardService(RaftMember member) {
        this.member = member;
    }

    @Override
    public void propose(RaftCommand request, StreamObserver<RaftResult> response) {
        member.proposeAsLeader(request).whenComplete((r, e) -> {
            if (e == null) {
                response.onNext(r);
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                String error = cause instanceof EtcdException ee ? ee.error().name() : "TIMEOUT";
                response.onNext(RaftResult.newBuilder().setError(error).build());
            }
            response.onCompleted();
        });
    }

    @Override
    public void leaseRenew(io.etch.api.etcdserverpb.LeaseKeepAliveRequest request,
                           StreamObserver<io.etch.api.etchpb.LeaseRenewResult> response) {
        member.leases().renewForPeer(request.getID()).whenComplete((r, e) -> {
            response.onNext(r);
            response.onCompleted();
        });
    }

    @Override
    public void leaseTimeToLive(io.etch.api.etcdserverpb.LeaseTimeToLiveRequest request,
                                StreamObserver<io.etch.api.etchpb.LeaseTimeToLiveResult> response) {
        response.onNext(member.leases().timeToLiveForPeer(request));
        response.onCompleted();
    }
}
