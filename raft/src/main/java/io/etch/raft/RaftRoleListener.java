package io.etch.raft;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Tracks what the state machine learns about roles: the highest term seen (for response headers'
 * {@code raft_term}) and whether this member leads, plus a count of leader changes.
 * Thread-safe; written by jraft's callback thread, read by request threads.
 */
final class RaftRoleListener {
    private final AtomicLong term = new AtomicLong();
    private final AtomicLong leaderTerm = new AtomicLong(-1);
    private final AtomicLong leaderChanges = new AtomicLong();

    void observeTerm(long t) {
        term.accumulateAndGet(t, Math::max);
    }

    void leaderStarted(long t) {
        observeTerm(t);
        leaderTerm.set(t);
        leaderChanges.incrementAndGet();
    }

    void leaderStopped() {
        leaderTerm.set(-1);
    }

    void followingStarted(long t) {
        observeTerm(t);
        leaderChanges.incrementAndGet();
    }

    void followingStopped(long t) {
        observeTerm(t);
    }

    long term() {
        return term.get();
    }

    /** The term this member leads in, or -1 when it does not lead. */
    long leaderTerm() {
        return leaderTerm.get();
    }

    long leaderChanges() {
        return leaderChanges.get();
    }
}
