package io.etch.raft;

import com.alipay.sofa.jraft.util.Endpoint;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Leader side of a follower's forwarded write: tells a follower about a new commit index as soon as it has
 * acknowledged the entries up to it, with one heartbeat, instead of with the next append or heartbeat. A
 * follower that forwarded a write then applies it, and answers its client from its own apply, while the
 * leader is still applying it (etcd: {@code raft.go maybeCommit → bcastAppend}, and the proposer's
 * {@code wait.Trigger} in {@code etcdserver/server.go applyEntryNormal}).
 *
 * <p>Runs on the peer transport thread after every AppendEntries answer ({@link #afterAppendAnswer}), and
 * answers the peer that answered, on the same stream. Per peer: a heartbeat carries the commit index only up
 * to what the leader knows the follower holds, so the follower whose answer made the commit gets it at once,
 * and a follower that answers later gets it then. It pushes only when some follower's forwarded write waits
 * and no later entry is in the log: an entry after the committed one is in flight, and its append carries the
 * commit index anyway, so under load this sends nothing. Thread-safe; one peer's answers arrive in order on
 * one thread.
 */
final class CommitPush {
    /** The leader's side of raft that the push needs; implemented over jraft's node by {@link RaftMember}. */
    interface Leader {
        /** The leader's commit index (jraft's ballot box), ahead of what its state machine has heard of. */
        long committedIndex();

        /** The index of the last entry in the leader's log. */
        long lastLogIndex();

        /** Sends one heartbeat, which carries the commit index, to follower {@code peer} now. */
        void heartbeat(Endpoint peer);
    }

    private final Leader leader;
    private final BooleanSupplier leading;
    private final BooleanSupplier forwardsWaiting;
    /** The highest commit index pushed to each follower so far. */
    private final ConcurrentHashMap<Endpoint, Long> pushed = new ConcurrentHashMap<>();

    /**
     * @param leader the node's leader side; its methods may throw {@link IllegalStateException} when the node
     *     is not (or no longer) an active leader, which skips the push
     * @param leading whether this member leads in its current term (cheap; no lock)
     * @param forwardsWaiting whether some follower's forwarded write has not had its result yet
     */
    CommitPush(Leader leader, BooleanSupplier leading, BooleanSupplier forwardsWaiting) {
        this.leader = leader;
        this.leading = leading;
        this.forwardsWaiting = forwardsWaiting;
    }

    /**
     * Pushes the commit index to {@code peer} when it moved since the last push to it and nothing else will
     * carry it soon.
     *
     * @param peer the follower whose AppendEntries answer (or heartbeat answer) was just handled
     */
    void afterAppendAnswer(Endpoint peer) {
        if (!forwardsWaiting.getAsBoolean() || !leading.getAsBoolean()) {
            return;
        }
        try {
            long committed = leader.committedIndex();
            Long last = pushed.get(peer);
            if (last != null && committed <= last || leader.lastLogIndex() > committed) {
                return;
            }
            pushed.put(peer, committed);
            leader.heartbeat(peer);
        } catch (IllegalStateException e) {
            // stepped down or shutting down meanwhile: the commit index travels the usual way
        }
    }
}
