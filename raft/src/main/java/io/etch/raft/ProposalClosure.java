package io.etch.raft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;
import io.etch.api.etchpb.RaftResult;
import java.util.concurrent.CompletableFuture;

/**
 * The waiting side of one proposal on the leader: completed with the apply result, or failed with the
 * raft status when the entry could not be committed by this leader (etcd {@code wait.Wait} keyed by
 * request id; here jraft carries the closure with the task).
 */
final class ProposalClosure implements Closure {
    private final CompletableFuture<RaftResult> future = new CompletableFuture<>();
    CompletableFuture<RaftResult> future() {
        return future;
    }

    void complete(RaftResult result) {
        future.complete(result);
    }

    /** Called by jraft only when the task failed (not leader, term changed, shutdown, busy…). */
    @Override
    public void run(Status status) {
        if (status.isOk()) {
            future.completeExceptionally(new IllegalStateException("proposal finished without a result"));
        } else {
            future.completeExceptionally(new ProposalFailedException(status));
        }
    }

    /** A proposal that raft refused or dropped; {@link #status()} says why. */
    static final class ProposalFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Status status;

        ProposalFailedException(Status status) {
            super(status.toString(), null, false, false);
            this.status = status;
        }

        Status status() {
            return status;
        }
    }
}
