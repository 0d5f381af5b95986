package io.etch.raft;

import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.storage.EtcdException;
import io.grpc.stub.StreamObserver;

/** The leader's end of write forwarding: proposes what a follower sent and answers with the result. */
final class ForwardService extends ForwardGrpc.ForwardImplBase {
    private final RaftMember member;
    private final CommitPusher commitPusher;

    ForwardService(RaftMember member) {
        this.member = member;
        this.commitPusher = new CommitPusher(member::readBarrier);
    }

    @Override
    public void propose(RaftCommand request, StreamObserver<RaftResult> response) {
        member.proposeAsLeader(request).whenComplete((r, e) -> {
            if (e == null) {
                response.onNext(r);
            } else {
                response.onNext(RaftResult.newBuilder().setError(errorName(e)).build());
            }
            response.onCompleted();
        });
    }

    @Override
    public StreamObserver<RaftCommand> proposeStream(StreamObserver<RaftResult> response) {
        return new StreamObserver<>() {
            private int pending;
            private boolean halfClosed;

            @Override
            public void onNext(RaftCommand cmd) {
                synchronized (response) {
                    pending++;
                }
                member.proposeAsLeader(cmd).whenComplete((r, e) -> {
                    if (e == null) {
                        commitPusher.push(); // the follower waits for its own apply of r
                    }
                    RaftResult out = (e == null ? r.toBuilder() : RaftResult.newBuilder().setError(errorName(e)))
                            .setId(cmd.getId()).build();
                    synchronized (response) {
                        response.onNext(out);
                        if (--pending == 0 && halfClosed) {
                            response.onCompleted();
                        }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                // the follower went away: results still in flight have nobody to go to
            }

            @Override
            public void onCompleted() {
                synchronized (response) {
                    halfClosed = true;
                    if (pending == 0) {
                        response.onCompleted();
                    }
                }
            }
        };
    }

    private static String errorName(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        return cause instanceof EtcdException ee ? ee.error().name() : "TIMEOUT";
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
