package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.LeaderCommitIndex;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.impl.AbstractClientService;
import com.alipay.sofa.jraft.util.Endpoint;
import io.etch.raft.transport.GrpcRpcClient;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

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
    /** The leader's side of raft that the push needs; over jraft's node: {@link #jraftLeader}. */
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
    /** Commands forwarded to this member as leader whose results have not been sent back yet. */
    private final AtomicInteger forwardsWaiting = new AtomicInteger();
    /** The highest commit index pushed to each follower so far. */
    private final ConcurrentHashMap<Endpoint, Long> pushed = new ConcurrentHashMap<>();

    /**
     * @param leader the node's leader side; its methods may throw {@link IllegalStateException} when the node
     *     is not (or no longer) an active leader, which skips the push
     * @param leading whether this member leads in its current term (cheap; no lock)
     */
    CommitPush(Leader leader, BooleanSupplier leading) {
        this.leader = leader;
        this.leading = leading;
    }

    /**
     * A follower's forwarded commands arrived at this member as leader ({@link ForwardService}).
     *
     * @param count how many; each is matched by a later {@link #forwardsAnswered}
     */
    void forwardsArrived(int count) {
        forwardsWaiting.addAndGet(count);
    }

    /**
     * Results of forwarded commands are on their way back to their follower.
     *
     * @param count how many, of those counted by {@link #forwardsArrived}
     */
    void forwardsAnswered(int count) {
        forwardsWaiting.addAndGet(-count);
    }

    /**
     * Pushes the commit index to {@code peer} when it moved since the last push to it and nothing else will
     * carry it soon.
     *
     * @param peer the follower whose AppendEntries answer (or heartbeat answer) was just handled
     */
    void afterAppendAnswer(Endpoint peer) {
        if (forwardsWaiting.get() <= 0 || !leading.getAsBoolean()) {
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

    /**
     * Runs {@link #afterAppendAnswer} after every AppendEntries answer that {@code node}'s peer transport
     * receives, which is where a leader's commit index moves.
     *
     * @return false when {@code node} does not use Etch's peer transport (then nothing is pushed)
     */
    boolean listenTo(Node node) {
        if (node instanceof NodeImpl impl && impl.getRpcService() instanceof AbstractClientService svc
                && svc.getRpcClient() instanceof GrpcRpcClient client) {
            client.setAppendAnswerListener(this::afterAppendAnswer);
            return true;
        }
        return false;
    }

    /**
     * The leader side of a jraft node.
     *
     * @param node the member's node (null before start, when every method throws {@link IllegalStateException})
     */
    static Leader jraftLeader(Supplier<Node> node) {
        return new Leader() {
            @Override
            public long committedIndex() {
                return LeaderCommitIndex.committed(active());
            }

            @Override
            public long lastLogIndex() {
                return active().getLastLogIndex();
            }

            @Override
            public void heartbeat(Endpoint peer) {
                LeaderCommitIndex.heartbeat(active(), new PeerId(peer, 0));
            }

            private Node active() {
                Node n = node.get();
                if (n == null) {
                    throw new IllegalStateException("not started");
                }
                return n;
            }
        };
    }
}
