package io.etch.raft;

import io.etch.api.mvccpb.Event;
import java.util.List;

/**
 * Hooks for the services that live above raft (watch, lessor). Every method is called on jraft's
 * state-machine thread and must return quickly without blocking: hand work to another thread.
 */
public interface RaftListener {
    /**
     * A batch of committed entries was applied and is visible to readers.
     *
     * @param events the PUT/DELETE events of the batch in revision order (may be empty); null when the
     *     batch made too many to keep ({@code WriteTxn.MAX_EVENTS}): read them from the store's history
     * @param revision the store's current revision after the batch
     */
    default void onCommit(List<Event> events, long revision) {
    }

    /** This member became leader in {@code term} (etcd: lessor {@code Promote}). */
    default void onLeaderStart(long term) {
    }

    /** This member stopped leading (etcd: lessor {@code Demote}). */
    default void onLeaderStop() {
    }

    /** A raft snapshot replaced the store: anything cached from the old store must be reloaded. */
    default void onStoreReplaced() {
    }
}
