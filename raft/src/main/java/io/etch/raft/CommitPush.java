package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.LeaderCommitIndex;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.impl.AbstractClientService;
import com.alipay.sofa.jraft.util.Endpoint;
import io.etch.raft.transport.GrpcRpcClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Leader side of the commit index: tells each follower about a new commit index as soon as it can adopt it,
 * with one heartbeat, instead of with the next append or heartbeat (up to a heartbeat interval away when
 * writes are sparse). etcd's leader does the same with an append to every follower when its commit index
 * moves ({@code raft.go maybeCommit → bcastAppend}); jraft does not. A follower then applies the entry at
 * once: its watchers get the event, its serializable reads see the write, and a write it forwarded is
 * answered from its own apply while the leader is still applying it (the proposer's {@code wait.Trigger} in
 * {@code etcdserver/server.go applyEntryNormal}).
 *
 * <p>Two moments push. After every AppendEntries answer ({@link #afterAppendAnswer}, on the peer transport
 * thread), to the follower that answered, on the same stream: a heartbeat carries the commit index only up
 * to what the leader knows the follower holds, so the follower whose answer made the commit gets it at once,
 * and one that answers later gets it then. After the leader applies a batch ({@link #afterApply}, on its
 * state machine thread), to every follower not pushed that commit index yet: that covers a commit made by
 * the leader's own log write, when both followers had answered before it. Either pushes only when no entry
 * after the commit index is in the log: a later entry is in flight, and its append carries the commit index
 * anyway, so under load this sends nothing. Thread-safe; one peer's answers arrive in order on one thread.
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

        /** The leader's followers (its configuration's peers but itself). */
        List<Endpoint> followers();
    }

    private final Leader leader;
    private final BooleanSupplier leading;
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
     * Pushes the commit index to {@code peer} when it moved since the last push to it and nothing else will
     * carry it soon.
     *
     * @param peer the follower whose AppendEntries answer (or heartbeat answer) was just handled
     */
    void afterAppendAnswer(Endpoint peer) {
        if (!leading.getAsBoolean()) {
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
     * Pushes the commit index to every follower it was not pushed to yet, when nothing after it is in the
     * log. Does not count as a push for {@link #afterAppendAnswer}: a follower that had not received the
     * entries yet adopts less than the commit index from this heartbeat, and its answer must push again.
     */
    void afterApply() {
        if (!leading.getAsBoolean()) {
            return;
        }
        try {
            long committed = leader.committedIndex();
            if (leader.lastLogIndex() > committed) {
                return;
            }
            for (Endpoint peer : leader.followers()) {
                Long last = pushed.get(peer);
                if (last == null || last < committed) {
                    leader.heartbeat(peer);
                }
            }
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

            @Override
            public List<Endpoint> followers() {
                Node n = active();
                PeerId self = n.getNodeId().getPeerId();
                List<Endpoint> out = new ArrayList<>();
                for (PeerId p : n.listPeers()) {
                    if (!p.equals(self)) {
                        out.add(p.getEndpoint());
                    }
                }
                return out;
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
