package io.etch.raft;

import io.etch.api.etchpb.RaftResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The writes this member forwarded to the leader, by command id, so that its own apply of their entries can
 * answer them: the state machine is deterministic, so applying the entry here gives the result the leader's
 * apply gives, and the client's next read on this member sees the write. Whichever comes first completes
 * the write: this member's apply, or the leader's result followed by this member's apply (etcd: a
 * follower's proposal waits in {@code wait.Wait} under its request id until its own apply triggers it,
 * {@code etcdserver/server.go applyEntryNormal}). Command ids are unique per member and carry the member's
 * id in their top bits ({@code RaftMember}), so an entry proposed elsewhere never matches. Thread-safe.
 */
final class ForwardedProposals {
    private final ConcurrentHashMap<Long, CompletableFuture<RaftResult>> waiting = new ConcurrentHashMap<>();

    /**
     * Lets this member's apply of command {@code id} complete {@code out}; forgotten once {@code out}
     * completes, whoever completes it. A second call for the same id keeps the first future.
     */
    void watch(long id, CompletableFuture<RaftResult> out) {
        if (waiting.putIfAbsent(id, out) == null) {
            out.whenComplete((r, e) -> waiting.remove(id, out));
        }
    }

    /**
     * @return the future of forwarded command {@code id}, removed from this map, or null when no forwarded
     *     write of this member waits for it (the usual case: another member's command, or one already answered)
     */
    CompletableFuture<RaftResult> take(long id) {
        return waiting.isEmpty() ? null : waiting.remove(id);
    }
}
