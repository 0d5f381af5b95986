package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The IDs real etcd 3.4.23 printed for these flags (reference §5). */
class MemberIdsTest {
    @Test
    void singleMemberMatchesEtcd() {
        long id = MemberIds.memberId(List.of("http://127.0.0.1:23800"), "etcd-cluster");
        assertThat(MemberIds.hex(id)).isEqualTo("2e1259d415f2a040");
        assertThat(id).isEqualTo(3319814642761637952L);
        assertThat(MemberIds.clusterId(List.of(id))).isEqualTo(324952591200643719L);
    }

    @Test
    void threeMembersMatchEtcd() {
        long n1 = MemberIds.memberId(List.of("http://127.0.0.1:24180"), "tok-research");
        long n2 = MemberIds.memberId(List.of("http://127.0.0.1:24280"), "tok-research");
        long n3 = MemberIds.memberId(List.of("http://127.0.0.1:24380"), "tok-research");
        assertThat(List.of(MemberIds.hex(n1), MemberIds.hex(n2), MemberIds.hex(n3)))
                .containsExactly("e8600244e96fa9dd", "a3f7e57126b2eeac", "20b62262dfa383af");
        assertThat(MemberIds.clusterId(List.of(n1, n2, n3))).isEqualTo(2664257235986732577L);
    }

    @Test
    void restoredMemberMatchesEtcd() {
        assertThat(MemberIds.hex(MemberIds.memberId(List.of("http://127.0.0.1:25380"), "rtok")))
                .isEqualTo("cdf263875ffb2c62");
    }
}
