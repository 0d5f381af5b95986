package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.rpc.impl.core.ReadIndexRequestProcessor;
import io.etch.raft.transport.GrpcRpcServer;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's two halves of a follower's read index: as leader, {@link VoterReadIndex} on the peer port; as
 * follower, {@link FollowerReadIndex}. Wired in two steps, as the member starts: {@link #registerOn} before the
 * peer port serves, {@link #start} once the node runs. Thread-safe after {@link #start}.
 */
final class ReadIndexes {

    private static final Logger LOG = LoggerFactory.getLogger(ReadIndexes.class);

    private final Supplier<Node> node;
    private final AppliedIndexWaiters applied;
    private final String group;
    private volatile VoterReadIndex voter;
    private volatile FollowerReadIndex follower;

    /**
     * @param node the member's node, null until it is started
     * @param applied the member's apply waiters, which {@link #start} feeds from jraft's applied-index listener
     * @param group the raft group id
     */
    ReadIndexes(Supplier<Node> node, AppliedIndexWaiters applied, String group) {
        this.node = node;
        this.applied = applied;
        this.group = group;
    }

    /** Replaces jraft's read index processor on {@code server}; jraft's runs on {@code raftRpcExecutor}. */
    void registerOn(GrpcRpcServer server, Executor raftRpcExecutor) {
        VoterReadIndex v = new VoterReadIndex(new ReadIndexRequestProcessor(raftRpcExecutor), node, group);
        server.registerProcessor(v);
        voter = v;
    }

    /**
     * Starts the follower's half on the running {@code started} node; without jraft's expected internals or RPC
     * client it stays off and {@link #follower()} is null (reads then take jraft's read-only service).
     *
     * @param rpcTimeoutMs how long one request waits for the leader before it fails and the reads behind it retry
     */
    void start(Node started, long rpcTimeoutMs) {
        FollowerReadIndex.Sender sender = FollowerReadIndex.senderOf(started);
        if (sender == null || !JraftInternals.listenToApplied(started, applied::applied)) {
            LOG.warn("followers' linearizable reads take jraft's read-only service");
            return;
        }
        applied.applied(started.getLastAppliedLogIndex());
        follower = new FollowerReadIndex(node, applied, sender, group, rpcTimeoutMs);
    }

    /** The follower's half, null before {@link #start} or when it could not start. */
    FollowerReadIndex follower() {
        return follower;
    }

    /** How many followers' requests this member answered as leader without a heartbeat round. */
    long answeredAtOnce() {
        VoterReadIndex v = voter;
        return v == null ? 0 : v.answeredAtOnce();
    }
}
