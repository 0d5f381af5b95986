package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The suite's own helpers, checked against values observed on real etcd 3.4.23 (reference §5, §2.5). */
class EtcdIdsTest {

    @Test
    void singleMemberIdsMatchRealEtcd() {
        long member = EtcdIds.memberId(List.of("http://127.0.0.1:23800"), "etcd-cluster");
        assertThat(EtcdIds.hex(member)).isEqualTo("2e1259d415f2a040");
        assertThat(EtcdIds.decimal(member)).isEqualTo("3319814642761637952");
        assertThat(EtcdIds.clusterId(List.of(member))).isEqualTo(324952591200643719L);
    }

    @Test
    void threeMemberIdsMatchRealEtcd() {
        List<Long> ids = List.of(
                EtcdIds.memberId(List.of("http://127.0.0.1:24180"), "tok-research"),
                EtcdIds.memberId(List.of("http://127.0.0.1:24280"), "tok-research"),
                EtcdIds.memberId(List.of("http://127.0.0.1:24380"), "tok-research"));
        assertThat(ids.stream().map(EtcdIds::hex))
                .containsExactly("e8600244e96fa9dd", "a3f7e57126b2eeac", "20b62262dfa383af");
        assertThat(EtcdIds.hex(EtcdIds.clusterId(ids))).isEqualTo("24f957d71d40d621");
    }

    @Test
    void humanizeBytesLikeGoHumanize() {
        assertThat(Outputs.humanizeBytes(9)).isEqualTo("9 B");
        assertThat(Outputs.humanizeBytes(20480)).isEqualTo("20 kB");   // 20.5 rounds half to even
        assertThat(Outputs.humanizeBytes(24576)).isEqualTo("25 kB");
        assertThat(Outputs.humanizeBytes(1_500_000)).isEqualTo("1.5 MB");
    }

    @Test
    void tableLikeEtcdctl() {
        assertThat(Outputs.table(List.of("ENDPOINT", "HEALTH", "TOOK", "ERROR"),
                List.of(List.of("127.0.0.1:31179", "true", "3.19281ms", ""))))
                .isEqualTo("""
                        +-----------------+--------+-----------+-------+
                        |    ENDPOINT     | HEALTH |   TOOK    | ERROR |
                        +-----------------+--------+-----------+-------+
                        | 127.0.0.1:31179 |   true | 3.19281ms |       |
                        +-----------------+--------+-----------+-------+
                        """);
    }

    @Test
    void normalizeTook() {
        assertThat(Outputs.normalizeTook("x is healthy: successfully committed proposal: took = 850.1µs"))
                .isEqualTo("x is healthy: successfully committed proposal: took = <T>");
        assertThat(Outputs.normalizeTook("{\"took\":\"1.2s\"}")).isEqualTo("{\"took\":\"<T>\"}");
    }
}
