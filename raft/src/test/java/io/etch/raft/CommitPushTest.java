package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.util.Endpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitPushTest {
    private static final Endpoint F1 = new Endpoint("127.0.0.1", 2380);
    private static final Endpoint F2 = new Endpoint("127.0.0.1", 12380);

    private long committed;
    private long lastLog;
    private boolean leading = true;
    private boolean stepDown;
    private final List<String> heartbeats = new ArrayList<>();

    private final CommitPush push = new CommitPush(new CommitPush.Leader() {
        @Override
        public long committedIndex() {
            if (stepDown) {
                throw new IllegalStateException("not leader");
            }
            return committed;
        }

        @Override
        public long lastLogIndex() {
            return lastLog;
        }

        @Override
        public void heartbeat(Endpoint peer) {
            heartbeats.add(peer.getPort() + "@" + committed);
        }

        @Override
        public List<Endpoint> followers() {
            return List.of(F1, F2);
        }
    }, () -> leading);

    private void answer(Endpoint from, long commitIndex, long last) {
        committed = commitIndex;
        lastLog = last;
        push.afterAppendAnswer(from);
    }

    @Test
    void eachFollowerGetsANewCommitIndexOnceWhenItAnswers() {
        answer(F1, 5, 5);
        answer(F1, 5, 5); // its heartbeat's answer
        answer(F2, 5, 5); // the slower follower: its answer does not move the commit index, it still needs it
        answer(F2, 5, 5);
        answer(F1, 6, 6);
        assertThat(heartbeats).containsExactly("2380@5", "12380@5", "2380@6");
    }

    @Test
    void entriesAfterTheCommitIndexCarryItThemselves() {
        answer(F1, 5, 9);
        answer(F2, 7, 9);
        assertThat(heartbeats).isEmpty();
        answer(F1, 9, 9); // the last one in flight: nothing else would carry it
        assertThat(heartbeats).containsExactly("2380@9");
    }

    @Test
    void nothingIsPushedWhenNotLeading() {
        leading = false;
        answer(F1, 6, 6);
        push.afterApply();
        assertThat(heartbeats).isEmpty();
        leading = true;
        answer(F1, 6, 6);
        assertThat(heartbeats).containsExactly("2380@6");
    }

    @Test
    void aCommitMadeByTheLeadersOwnWriteIsPushedToEveryFollowerAfterTheApply() {
        answer(F1, 4, 5); // both answered before the leader's own write of entry 5 was durable
        answer(F2, 4, 5);
        assertThat(heartbeats).isEmpty();
        committed = 5;
        push.afterApply();
        assertThat(heartbeats).containsExactly("2380@5", "12380@5");
    }

    @Test
    void theApplyPushesOnlyToFollowersNotPushedThatCommitIndexAndDoesNotCountAsAPush() {
        answer(F1, 5, 5);
        push.afterApply(); // F1 has it from its answer; F2 has not answered yet
        assertThat(heartbeats).containsExactly("2380@5", "12380@5");
        answer(F2, 5, 5); // F2 may not have held entry 5 at the apply's heartbeat: its answer pushes again
        assertThat(heartbeats).containsExactly("2380@5", "12380@5", "12380@5");
        push.afterApply();
        assertThat(heartbeats).hasSize(3);
    }

    @Test
    void theApplyPushesNothingWhileLaterEntriesAreInFlight() {
        committed = 5;
        lastLog = 7;
        push.afterApply();
        assertThat(heartbeats).isEmpty();
    }

    @Test
    void aLeaderThatSteppedDownMeanwhileSendsNothing() {
        stepDown = true;
        answer(F1, 5, 5);
        push.afterApply();
        assertThat(heartbeats).isEmpty();
        stepDown = false;
        answer(F1, 5, 5);
        assertThat(heartbeats).containsExactly("2380@5");
    }
}
