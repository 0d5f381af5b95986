package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.FollowerCommitIndex;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>Only an entry already durable in this member's log is used (the log storage's term for the index).
 * When the result comes before this member's own append of the entry is durable (the other follower's
 * answer made the commit, and the leader applied and answered first), the entry waits here, and the
 * append that makes it durable commits it ({@link #appended}): the leader has already sent everything
 * it had to say about the write, so nothing else would bring the commit index before its next append or
 * heartbeat. Thread-safe.
 */
final class CommitLearner {
    private final Supplier<Node> node;
    private final LongUnaryOperator termInLog;
    /** The highest index already handed to jraft, so that a batch of results costs one log lookup. */
    private final AtomicLong learned = new AtomicLong();
    /** The highest committed {index, term} that was not in this member's durable log yet; null: none. */
    private final AtomicReference<long[]> waitingForLog = new AtomicReference<>();

    /**
     * @param node the member's jraft node (null before start)
     * @param termInLog the term of the entry at an index in this member's durable log; 0 when it has none
     */
    CommitLearner(Supplier<Node> node, LongUnaryOperator termInLog) {
        this.node = node;
        this.termInLog = termInLog;
    }

    /**
     * Commits up to {@code index} on this member when its log holds the entry {@code (index, term)};
     * otherwise keeps it until an append makes it durable ({@link #appended}).
     *
     * @param index a raft index the leader applied
     * @param term the term of the leader's entry at {@code index}; 0 (unknown) does nothing
     * @return whether this member's commit index is now known to be at least {@code index} (raised by this
     *     call or an earlier one), so that its apply will reach it without any help; false when the entry
     *     waits for this member's append
     */
    boolean committed(long index, long term) {
        if (term <= 0) {
            return false;
        }
        if (index <= learned.get()) {
            return true;
        }
        Node n = node.get();
        if (n == null) {
            return false;
        }
        if (termInLog.applyAsLong(index) == term) {
            advance(n, index);
            return true;
        }
        long[] entry = {index, term};
        waitingForLog.accumulateAndGet(entry, (held, given) -> held == null || given[0] > held[0] ? given : held);
        // the append may have become durable between the lookup above and the entry's registration
        return commitWaiting() && index <= learned.get();
    }

    /**
     * This member's log made entries up to {@code lastIndex} durable: commits the waiting entry when it is
     * among them. Called on the appending thread; costs one volatile read when nothing waits.
     */
    void appended(long lastIndex) {
        long[] w = waitingForLog.get();
        if (w != null && w[0] <= lastIndex) {
            commitWaiting();
        }
    }

    /** Commits the waiting entry if this member's durable log holds it; drops it if the log holds another. */
    private boolean commitWaiting() {
        long[] w = waitingForLog.get();
        if (w == null) {
            return false;
        }
        long term = termInLog.applyAsLong(w[0]);
        if (term == 0) {
            return false; // not durable here yet
        }
        if (!waitingForLog.compareAndSet(w, null)) {
            return false; // replaced by a later entry, or taken by another thread
        }
        Node n = node.get();
        if (term != w[1] || n == null) {
            return false; // another leader's entry at that index: the commit index comes the usual way
        }
        advance(n, w[0]);
        return true;
    }

    private void advance(Node n, long index) {
        FollowerCommitIndex.advance(n, index); // false when the commit index had got there already
        learned.accumulateAndGet(index, Math::max);
    }
}
