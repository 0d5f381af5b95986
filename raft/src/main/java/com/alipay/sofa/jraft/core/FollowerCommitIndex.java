package com.alipay.sofa.jraft.core;

import com.alipay.sofa.jraft.Node;

/**
 * Etch's one reach into jraft's node internals, which is why it sits in jraft's package: raising a
 * follower's commit index from outside the append path. jraft keeps the commit index in the node's
 * {@link BallotBox}, which has no public accessor on {@link NodeImpl}.
 *
 * <p>The caller must know that the entry at the index is committed and is the one in this member's log
 * (see {@code io.etch.raft.CommitLearner}); this class checks nothing about the log.
 */
public final class FollowerCommitIndex {
    private FollowerCommitIndex() {
    }

    /**
     * Raises {@code node}'s commit index to {@code index} when it is lower, which makes jraft apply the
     * entries up to it (as a heartbeat carrying that commit index would).
     *
     * @param node a started jraft node; a leader, or any other {@link Node} implementation, is left alone
     * @param index a raft index committed in the cluster and present, with the committed term, in this
     *     member's log
     * @return whether the commit index was raised
     */
    public static boolean advance(Node node, long index) {
        if (!(node instanceof NodeImpl impl) || node.isLeader()) {
            return false;
        }
        BallotBox box = impl.getBallotBox();
        if (box == null) {
            return false;
        }
        try {
            return box.setLastCommittedIndex(index);
        } catch (IllegalArgumentException e) {
            return false; // became leader meanwhile: jraft's own commit rules take over
        }
    }
}
