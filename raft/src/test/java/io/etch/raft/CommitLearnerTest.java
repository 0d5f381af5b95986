package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.Node;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitLearnerTest {
    private final List<Long> lookups = new ArrayList<>();
    private final Map<Long, Long> log = new HashMap<>(Map.of(5L, 2L, 6L, 3L, 7L, 3L));
    /** Not jraft's NodeImpl: FollowerCommitIndex leaves it alone, so only the log checks are seen here. */
    private final Node follower = (Node) Proxy.newProxyInstance(Node.class.getClassLoader(), new Class<?>[] {Node.class},
            (proxy, method, args) -> method.getReturnType() == boolean.class ? false : null);

    private CommitLearner learner(Node node) {
        return new CommitLearner(() -> node, index -> {
            lookups.add(index);
            return log.getOrDefault(index, 0L);
        });
    }

    @Test
    void anUnknownTermOrAMissingNodeConsultsNothing() {
        assertThat(learner(follower).committed(6, 0)).isFalse();
        assertThat(learner(null).committed(6, 3)).isFalse();
        assertThat(lookups).isEmpty();
    }

    @Test
    void anEntryWhoseTermDiffersFromTheLeadersIsNotLearnedAndIsLookedUpAgainLater() {
        CommitLearner learner = learner(follower);
        // this member's entry 6 is from term 3: another leader's, not committed; looked up twice (the
        // second time as the waiting entry, which is dropped)
        assertThat(learner.committed(6, 4)).isFalse();
        assertThat(learner.committed(6, 3)).isTrue();
        assertThat(learner.committed(8, 3)).isFalse(); // not in this member's log yet
        assertThat(learner.committed(8, 3)).isFalse();
        assertThat(lookups).containsExactly(6L, 6L, 6L, 8L, 8L, 8L, 8L);
    }

    @Test
    void anEntryNotYetInTheLogIsCommittedByTheAppendThatMakesItDurable() {
        CommitLearner learner = learner(follower);
        assertThat(learner.committed(9, 3)).isFalse();
        lookups.clear();
        learner.appended(8); // entry 9 is not among them: nothing looked up
        assertThat(lookups).isEmpty();
        log.put(8L, 3L);
        log.put(9L, 3L);
        learner.appended(9);
        assertThat(lookups).containsExactly(9L);
        assertThat(learner.committed(9, 3)).isTrue(); // learned by the append: no lookup
        assertThat(learner.committed(8, 3)).isTrue();
        learner.appended(10); // nothing waits any more
        assertThat(lookups).containsExactly(9L);
    }

    @Test
    void aWaitingEntryIsReplacedByALaterOneAndDroppedWhenTheLogHoldsAnotherLeadersEntry() {
        CommitLearner learner = learner(follower);
        assertThat(learner.committed(8, 3)).isFalse();
        assertThat(learner.committed(9, 3)).isFalse(); // the later entry waits instead
        assertThat(learner.committed(8, 3)).isFalse(); // an earlier one does not replace it
        log.put(8L, 3L);
        lookups.clear();
        learner.appended(8); // entry 9 waits, not 8: not among them
        assertThat(lookups).isEmpty();
        log.put(9L, 4L); // another leader's entry 9 reached this member's log
        learner.appended(9); // drops the waiting entry
        log.put(9L, 3L);
        lookups.clear();
        learner.appended(9);
        assertThat(lookups).isEmpty();
    }

    @Test
    void aMatchingEntryIsLearnedOnceAndLowerIndexesAreNotLookedUp() {
        CommitLearner learner = learner(follower);
        assertThat(learner.committed(6, 3)).isTrue();
        assertThat(learner.committed(5, 2)).isTrue();
        assertThat(learner.committed(6, 3)).isTrue();
        assertThat(learner.committed(7, 3)).isTrue();
        assertThat(lookups).containsExactly(6L, 7L);
    }

    @Test
    void aMismatchOrAMissingEntryLeavesTheCommitIndexUnknown() {
        CommitLearner learner = learner(follower);
        assertThat(learner.committed(6, 4)).isFalse();
        assertThat(learner.committed(8, 3)).isFalse();
        assertThat(learner.committed(7, 3)).isTrue();
        assertThat(learner.committed(8, 3)).isFalse();
    }
}
