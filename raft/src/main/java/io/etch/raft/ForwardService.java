package io.etch.raft;

import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftCommandBatch;
import io.etch.api.etchpb.RaftResult;
import io.etch.api.etchpb.RaftResultBatch;
import io.etch.storage.EtcdException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;

/** The leader's end of write forwarding: proposes what a follower sent and answers with the result. */
final class ForwardService extends ForwardGrpc.ForwardImplBase {
    /** Most results per message back to a follower. */
    static final int MAX_BATCH_ITEMS = 4096;
    /** Most bytes of results (or of forwarded commands) per message; a larger single one goes alone. */
    static final long MAX_BATCH_BYTES = 4L << 20;
    private final RaftMember member;

    /** @param member the member whose node proposes the forwarded commands */
    ForwardService(RaftMember member) {
        this.member = member;
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

    /**
     * One follower's stream of forwarded commands. Each batch is proposed as it arrives, so its commands
     * share the leader's next raft append; results are sent back in batches as they complete
     * ({@link Coalescer} on the completion threads), each carrying its command's id. Its messages are handled on
     * the peer port's transport thread ({@link RaftMember} registers it so): proposing only enqueues.
     */
    @Override
    public StreamObserver<RaftCommandBatch> proposeStream(StreamObserver<RaftResultBatch> response) {
        // once the follower is gone, late results are dropped (without a handler onNext would throw)
        ((ServerCallStreamObserver<RaftResultBatch>) response).setOnCancelHandler(() -> { });
        return new StreamObserver<>() {
            private int pending; // guarded by response
            private boolean halfClosed; // guarded by response
            private final Coalescer<RaftResult> results = new Coalescer<>(Completions.EXECUTOR, this::send,
                    RaftResult::getSerializedSize, MAX_BATCH_ITEMS, MAX_BATCH_BYTES);

            @Override
            public void onNext(RaftCommandBatch batch) {
                synchronized (response) {
                    pending += batch.getCommandsCount();
                }
                for (RaftCommand cmd : batch.getCommandsList()) {
                    member.proposeAsLeader(cmd).whenComplete((r, e) -> {
                        results.offer((e == null ? r.toBuilder() : RaftResult.newBuilder().setError(errorName(e)))
                                .setId(cmd.getId()).build());
                    });
                }
            }

            private void send(List<RaftResult> batch) {
                synchronized (response) {
                    response.onNext(RaftResultBatch.newBuilder().addAllResults(batch).build());
                    pending -= batch.size();
                    if (pending == 0 && halfClosed) {
                        response.onCompleted();
                    }
                }
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
