package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class VoterReadIndexTest {

    private static final PeerId A = PeerId.parsePeer("127.0.0.1:1001");
    private static final PeerId B = PeerId.parsePeer("127.0.0.1:1002");
    private static final PeerId C = PeerId.parsePeer("127.0.0.1:1003");
    private static final PeerId D = PeerId.parsePeer("127.0.0.1:1004");
    private static final PeerId E = PeerId.parsePeer("127.0.0.1:1005");

    private static Configuration voters(PeerId... peers) {
        Configuration c = new Configuration();
        for (PeerId p : peers) {
            c.addPeer(p);
        }
        return c;
    }

    @Test
    void theFieldsItReadsExistInThisJraft() {
        assertThat(JraftInternals.available()).isTrue();
    }

    @Test
    void leaderAndAskerAreAMajorityOfTwoOrThreeVoters() {
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C), A, B)).isTrue();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C), A, C)).isTrue();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B), A, B)).isTrue();
    }

    @Test
    void notAMajorityOfFourOrFive() {
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C, D), A, B)).isFalse();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C, D, E), A, B)).isFalse();
    }

    @Test
    void aLearnerTheLeaderItselfOrAStrangerCountsForNothing() {
        Configuration withLearner = voters(A, B, C);
        withLearner.addLearner(D);
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(withLearner, A, D)).isFalse();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C), A, A)).isFalse();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(A, B, C), A, E)).isFalse();
        assertThat(VoterReadIndex.askerAndLeaderAreMajority(voters(B, C, D), A, B)).isFalse();
    }

    private static Node otherNode() {
        return (Node) Proxy.newProxyInstance(Node.class.getClassLoader(), new Class<?>[] {Node.class}, (p, m, a) -> {
            throw new AssertionError("not to be called: " + m.getName());
        });
    }

    @Test
    void anyOtherNodeOrNoAskerGivesNoIndex() {
        assertThat(JraftInternals.leaderReadIndexFor(otherNode(), B, new AtomicLong(-1))).isEqualTo(-1);
        assertThat(JraftInternals.leaderReadIndexFor(null, B, new AtomicLong(-1))).isEqualTo(-1);
    }
}
