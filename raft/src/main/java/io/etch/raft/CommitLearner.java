package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.FollowerCommitIndex;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

/**
 * Follower side of forwarded writes: the leader's result for a forwarded write names the raft index and
 * term it was applied at, which proves that entry committed. When this member's own log holds an entry
 * with that index and term, it is the same entry, and every entry before it is the leader's too (raft's
 * log matching property), so this member may commit up to it at once instead of waiting for the commit
 * index to arrive with the leader's next append or heartbeat. etcd's raft gets the same effect by
 * broadcasting an append as soon as the commit index moves ({@code raft.go maybeCommit → bcastAppend}),
 * which jraft does not do.
 *
 * <p>Only an entry already durable in this member's log is used (the log storage's term for the index);
 * anything else is ignored and the commit index comes the usual way. Thread-safe.
 */
final class CommitLearner {
    private final Supplier<Node> node;
    private final LongUnaryOperator termInLog;
    /** The highest index already handed to jraft, so that a batch of results costs one log lookup. */
    private final AtomicLong learned = new AtomicLong();

    /**
     * @param node the member's jraft node (null before start)
     * @param termInLog the term of the entry at an index in this member's durable log; 0 when it has none
     */
    CommitLearner(Supplier<Node> node, LongUnaryOperator termInLog) {
        this.node = node;
        this.termInLog = termInLog;
    }

    /**
     * Commits up to {@code index} on this member when its log holds the entry {@code (index, term)}.
     *
     * @param index a raft index the leader applied
     * @param term the term of the leader's entry at {@code index}; 0 (unknown) does nothing
     * @return whether this member's commit index is now known to be at least {@code index} (raised by this
     *     call or an earlier one), so that its apply will reach it without any help
     */
    boolean committed(long index, long term) {
        if (term <= 0) {
            return false;
        }
        if (index <= learned.get()) {
            return true;
        }
        Node n = node.get();
        if (n == null || termInLog.applyAsLong(index) != term) {
            return false;
        }
        FollowerCommitIndex.advance(n, index); // false when the commit index had got there already
        learned.accumulateAndGet(index, Math::max);
        return true;
    }
}
