package io.etch.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Leader side of forwarded writes: tells followers the new commit index as soon as an applied chunk holds a
 * forwarded command, before the leader applies it, instead of with the next append or heartbeat. A
 * follower answers a write it forwarded only after applying it itself (read-your-writes on that member, as
 * etcd does), and jraft, unlike etcd's raft, does not broadcast a commit index advance; a read index round
 * makes the leader send heartbeats that carry it.
 *
 * <p>Rounds are coalesced: at most one runs at a time, and any number of {@link #push()} calls during a round
 * cause exactly one more round after it. Thread-safe.
 */
final class CommitPusher {
    private final Supplier<CompletableFuture<?>> round;
    /** 0: idle; 1: a round runs; 2: a round runs and another is wanted after it. */
    private final AtomicInteger state = new AtomicInteger();

    /** @param round starts a read index round (heartbeats with the commit index); its result is ignored */
    CommitPusher(Supplier<CompletableFuture<?>> round) {
        this.round = round;
    }

    /** Asks for a round that starts after the call (now, or after the running one). */
    void push() {
        int s;
        do {
            s = state.get();
            if (s == 2) {
                return;
            }
        } while (!state.compareAndSet(s, s + 1));
        if (s == 0) {
            run();
        }
    }

    private void run() {
        while (true) {
            CompletableFuture<?> f;
            try {
                f = round.get();
            } catch (RuntimeException e) {
                f = CompletableFuture.completedFuture(null);
            }
            if (!f.isDone()) {
                f.whenComplete((v, e) -> {
                    if (state.decrementAndGet() > 0) {
                        run();
                    }
                });
                return;
            }
            if (state.decrementAndGet() == 0) {
                return;
            }
        }
    }
}
