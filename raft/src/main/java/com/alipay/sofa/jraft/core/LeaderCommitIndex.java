package com.alipay.sofa.jraft.core;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.ReplicatorGroup;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesResponse;
import com.alipay.sofa.jraft.rpc.RpcResponseClosureAdapter;
import java.lang.reflect.Field;

/**
 * Etch's reach into a leader's commit index, next to {@link FollowerCommitIndex} and for the same reason:
 * jraft keeps the commit index in the node's {@link BallotBox} and its replicators in a private
 * {@link ReplicatorGroup}, neither with a public accessor on {@link NodeImpl}. Used to tell followers
 * about a new commit index at once, as etcd's raft does ({@code raft.go maybeCommit → bcastAppend});
 * jraft otherwise sends it with the next append or heartbeat.
 */
public final class LeaderCommitIndex {
    private static final Field REPLICATOR_GROUP = replicatorGroupField();
    /** A heartbeat's answer needs no handling here: the replicator's own heartbeats deal with terms and probes. */
    private static final RpcResponseClosureAdapter<AppendEntriesResponse> IGNORE_ANSWER =
            new RpcResponseClosureAdapter<>() {
                @Override
                public void run(com.alipay.sofa.jraft.Status status) {
                }
            };

    private LeaderCommitIndex() {
    }

    /**
     * @param node a started jraft node
     * @return the commit index in {@code node}'s ballot box, which a leader raises as appends are acknowledged
     *     (before its state machine hears of it); -1 for a node that is not a {@link NodeImpl}
     */
    public static long committed(Node node) {
        if (!(node instanceof NodeImpl impl)) {
            return -1;
        }
        BallotBox box = impl.getBallotBox();
        return box == null ? -1 : box.getLastCommittedIndex();
    }

    /**
     * Sends one heartbeat to {@code peer} now; it carries the leader's commit index, which the follower adopts
     * up to the entries it is known to share with the leader ({@code NodeImpl.handleAppendEntriesRequest}).
     * Its answer is ignored, and the replicator's heartbeat timer is left as it is.
     *
     * @param node a started jraft node; anything else, or a node with no replicator for {@code peer}, is left alone
     * @param peer a follower of {@code node}
     */
    public static void heartbeat(Node node, PeerId peer) {
        if (!(node instanceof NodeImpl impl) || REPLICATOR_GROUP == null) {
            return;
        }
        try {
            ReplicatorGroup group = (ReplicatorGroup) REPLICATOR_GROUP.get(impl);
            if (group != null && group.getReplicator(peer) != null) {
                group.sendHeartbeat(peer, IGNORE_ANSWER);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field replicatorGroupField() {
        try {
            Field f = NodeImpl.class.getDeclaredField("replicatorGroup");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another jraft version: commit indexes travel the usual way
        }
    }
}
