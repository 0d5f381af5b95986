package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexResponse;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The leader's processor of a follower's read index request: it counts the asking voter as one acknowledgement of
 * its leadership, so in a 3-member cluster it answers at once, without jraft's heartbeat round to the followers.
 * Any other case goes to jraft's own processor ({@code ReadIndexRequestProcessor}, the heartbeat round).
 *
 * <p>Why the answer is linearizable. etcd ({@code raft/read_only.go}, {@code ReadOnlySafe}) and jraft answer a read
 * index with the leader's commit index once a majority has acknowledged the leader after the request arrived. That
 * proves no leader of a higher term was elected before the read began, so every write acknowledged before it is at or
 * below that commit index. The asking follower's request proves the same for its part: a member that sends a read
 * index to the leader of term T is itself at term T or lower, so it had not voted in any later term when it sent
 * it, which was after the read began. The leader, at term T when it answers, had not voted in a later term either.
 * A leader of a later term needs votes from a majority; when the leader and the asker are a majority (2 or 3
 * voters, checked on both halves of a joint configuration), no such majority was left before the read began. The
 * leader must also have committed an entry of its own term (as jraft checks), so that its commit index covers the
 * writes of earlier terms. With 5 voters the heartbeat round is still needed, and jraft's processor does it. The
 * asker waits for its own apply to reach the index, as before.
 *
 * <p>Thread-safe.
 */
final class VoterReadIndex implements RpcProcessor<ReadIndexRequest> {

    private final RpcProcessor<ReadIndexRequest> heartbeatRound;
    private final Supplier<Node> node;
    private final String group;
    private final LongAdder answeredAtOnce = new LongAdder();
    /** The latest term in which the leader's commit index was seen to be of its own term. */
    private final AtomicLong termWithCommit = new AtomicLong(-1);

    /**
     * @param heartbeatRound jraft's processor of the same request, used whenever the shortcut does not apply
     * @param node the local node, null until it is started
     * @param group the raft group id the requests must name
     */
    VoterReadIndex(RpcProcessor<ReadIndexRequest> heartbeatRound, Supplier<Node> node, String group) {
        this.heartbeatRound = heartbeatRound;
        this.node = node;
        this.group = group;
    }

    /**
     * Runs on the peer transport's thread ({@link #executor()}): the answer at once takes the node's read lock
     * briefly and sends, which saves the hand-off to jraft's RPC executor; the heartbeat round is handed to
     * that executor, as jraft does.
     */
    @Override
    public void handleRequest(RpcContext ctx, ReadIndexRequest request) {
        long index = answerAtOnce(request);
        if (index > 0) {
            answeredAtOnce.increment();
            ctx.sendResponse(ReadIndexResponse.newBuilder().setIndex(index).setSuccess(true).build());
            return;
        }
        Executor executor = heartbeatRound.executor();
        if (executor == null) {
            heartbeatRound.handleRequest(ctx, request);
        } else {
            executor.execute(() -> heartbeatRound.handleRequest(ctx, request));
        }
    }

    private long answerAtOnce(ReadIndexRequest request) {
        Node n = node.get();
        if (n == null || !group.equals(request.getGroupId())
                || !n.getNodeId().getPeerId().toString().equals(request.getPeerId())) {
            return -1;
        }
        PeerId asker = new PeerId();
        if (!asker.parse(request.getServerId())) {
            return -1;
        }
        return JraftInternals.leaderReadIndexFor(n, asker, termWithCommit);
    }

    /** How many requests were answered without a heartbeat round (for tests and diagnostics). */
    long answeredAtOnce() {
        return answeredAtOnce.sum();
    }

    /**
     * Whether the leader {@code self} and a distinct voter {@code asker} of {@code voters} are a majority of it
     * ({@code voters.size() / 2 + 1}, jraft's quorum): true for 2 or 3 voters, false for more, false when
     * {@code asker} is not a voter (a learner's word counts for nothing) or is the leader itself.
     */
    static boolean askerAndLeaderAreMajority(Configuration voters, PeerId self, PeerId asker) {
        if (voters == null || asker.equals(self) || !voters.contains(asker) || !voters.contains(self)) {
            return false;
        }
        return 2 >= voters.getPeers().size() / 2 + 1;
    }

    @Override
    public String interest() {
        return heartbeatRound.interest();
    }

    /** Runs requests where they arrive; see {@link #handleRequest}. */
    @Override
    public Executor executor() {
        return Runnable::run;
    }
}
