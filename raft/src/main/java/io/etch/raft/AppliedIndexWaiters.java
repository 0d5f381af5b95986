package io.etch.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Futures that complete once this member has applied a given raft index. A follower that forwarded a
 * write waits here before answering, so the client's next read on the same member sees its write, as
 * with etcd, where the proposer's own apply completes the request; a follower's read barrier waits here
 * for the leader's read index ({@link FollowerReadIndex}). Thread-safe.
 */
final class AppliedIndexWaiters {
    private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
    private long applied;

    /**
     * @param index the raft index to wait for (0 = nothing to wait for)
     * @param deadlineNanos {@link System#nanoTime()} after which the future completes anyway: the write
     *     itself succeeded, only this member's apply is late
     */
    CompletableFuture<Void> await(long index, long deadlineNanos) {
        CompletableFuture<Void> f = await(index);
        if (f.isDone()) {
            return f;
        }
        long remaining = Math.max(1, deadlineNanos - System.nanoTime());
        return f.completeOnTimeout(null, remaining, TimeUnit.NANOSECONDS);
    }

    /**
     * Completes once this member has applied {@code index}, with no deadline: for a read barrier, which must not
     * pass before the apply. The caller bounds its own wait.
     */
    CompletableFuture<Void> await(long index) {
        synchronized (this) {
            if (index <= applied) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiting.computeIfAbsent(index, k -> new ArrayList<>()).add(f);
            return f;
        }
    }

    /** Completes every waiter at or below {@code index}; called after each applied batch. */
    void applied(long index) {
        List<CompletableFuture<Void>> ready = new ArrayList<>();
        synchronized (this) {
            if (index <= applied) {
                return;
            }
            applied = index;
            Map<Long, List<CompletableFuture<Void>>> head = waiting.headMap(index, true);
            head.values().forEach(ready::addAll);
            head.clear();
        }
        Completions.complete(ready.size(), i -> ready.get(i).complete(null));
    }
}
