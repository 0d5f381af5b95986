package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.Node;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitLearnerTest {
    private final List<Long> lookups = new ArrayList<>();
    private final Map<Long, Long> log = Map.of(5L, 2L, 6L, 3L, 7L, 3L);
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
        learner.committed(6, 4); // this member's entry 6 is from term 3: another leader's, not committed
        learner.committed(6, 3);
        learner.committed(8, 3); // not in this member's log yet
        learner.committed(8, 3);
        assertThat(lookups).containsExactly(6L, 6L, 8L, 8L);
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
