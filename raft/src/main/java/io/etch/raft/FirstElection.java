package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.option.RaftOptions;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The first election after a start comes sooner, as etcd's fast-forwarded election ticks on a restart
 * ({@code EtcdServer.adjustTicks}, which leaves one or two ticks before a campaign): jraft otherwise waits
 * {@code election-timeout} plus a random delay of up to 1 s before its first pre-vote, about 1.5 s of a
 * whole-cluster restart. Both parts become {@link #timeoutMs} until the member has seen a leader; then they go
 * back to the configured values, so later elections (and the leader's lease and heartbeats) are unchanged.
 * Pre-vote keeps an early campaign from disturbing a leader that the other members still hear.
 */
final class FirstElection {
    private FirstElection() {
    }

    /**
     * The first election timeout and its random spread, in ms: two heartbeats, or a fifth of the election
     * timeout, whichever is longer.
     */
    static int timeoutMs(RaftConfig config) {
        return Math.max(2 * config.heartbeatIntervalMs(), config.electionTimeoutMs() / 5);
    }

    /**
     * Shortens {@code node}'s election timeout until {@code done} holds, checked every half heartbeat on
     * {@code timer}; then restores the configured timeout and {@code electionDelayMs} as jraft's random delay.
     *
     * @param node the started node
     * @param raftOptions the node's options, whose max election delay was set to {@link #timeoutMs}
     * @param electionDelayMs the configured max election delay, in ms, to restore
     * @param config the member's raft settings
     * @param timer where the check runs; when it no longer takes tasks the delay is restored at once
     * @param done whether a leader was seen or the member is closing
     * @param closed whether the member is closing (then the node's timeout is left alone)
     */
    static void shorten(Node node, RaftOptions raftOptions, int electionDelayMs, RaftConfig config,
                        ScheduledExecutorService timer, BooleanSupplier done, BooleanSupplier closed) {
        int shortMs = timeoutMs(config);
        if (shortMs >= config.electionTimeoutMs()) {
            raftOptions.setMaxElectionDelayMs(electionDelayMs);
            return;
        }
        node.resetElectionTimeoutMs(shortMs);
        ScheduledFuture<?>[] task = new ScheduledFuture<?>[1];
        Runnable check = () -> {
            if (done.getAsBoolean()) {
                raftOptions.setMaxElectionDelayMs(electionDelayMs);
                if (!closed.getAsBoolean()) {
                    node.resetElectionTimeoutMs(config.electionTimeoutMs());
                }
                synchronized (task) {
                    if (task[0] != null) {
                        task[0].cancel(false);
                    }
                }
            }
        };
        try {
            synchronized (task) {
                task[0] = timer.scheduleWithFixedDelay(check, config.heartbeatIntervalMs() / 2,
                        config.heartbeatIntervalMs() / 2, TimeUnit.MILLISECONDS);
            }
        } catch (RejectedExecutionException e) {
            raftOptions.setMaxElectionDelayMs(electionDelayMs);
        }
    }
}
