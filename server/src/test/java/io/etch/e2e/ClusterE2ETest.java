package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster-level etcdctl commands against a 3-member cluster: endpoint health/status/hashkv and member
 * list, in their simple, json and table formats (reference §2.4, §2.5, §5).
 */
class ClusterE2ETest {

    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("cluster");

    private static final String HEALTHY_LINE =
            "^(http://127\\.0\\.0\\.1:[0-9]+) is healthy: successfully committed proposal: took = " + Outputs.GO_DURATION + "$";

    private static Cluster cluster;
    /** member name → expected member ID (etcd's SHA-1 formula, computed here). */
    private static Map<String, Long> ids;
    private static long clusterId;

    @BeforeAll
    static void setUp() {
        cluster = CLUSTER.cluster();
        ids = new HashMap<>();
        for (Member m : cluster.members()) {
            ids.put(m.name(), EtcdIds.memberId(List.of(m.peerUrl()), cluster.token()));
        }
        clusterId = EtcdIds.clusterId(ids.values());
    }

    private static Member byClientUrl(String url) {
        return cluster.members().stream().filter(m -> m.clientUrl().equals(url)).findFirst()
                .orElseThrow(() -> new AssertionError("unknown endpoint " + url));
    }

    /** Members sorted by ID as unsigned 64-bit numbers, the order MemberList returns. */
    private static List<Member> membersById() {
        List<Member> sorted = new ArrayList<>(cluster.members());
        sorted.sort(Comparator.comparing((Member m) -> ids.get(m.name()), Long::compareUnsigned));
        return sorted;
    }

    @Test
    void endpointHealthClusterPrintsOneLinePerMemberOnStderr() {
        Etcdctl.Result r = cluster.etcdctl(cluster.member("n1")).run("endpoint", "health", "--cluster");
        r.assertOk();
        assertThat(r.stdout()).isEmpty();
        List<String> lines = r.stderrLines();
        assertThat(lines).hasSize(3).allMatch(l -> l.matches(HEALTHY_LINE), "matches " + HEALTHY_LINE);
        Set<String> urls = lines.stream().map(l -> l.substring(0, l.indexOf(' '))).collect(Collectors.toSet());
        assertThat(urls).containsExactlyInAnyOrderElementsOf(cluster.endpoints());
        assertThat(lines.stream().map(Outputs::normalizeTook).sorted().toList()).containsExactlyElementsOf(
                cluster.endpoints().stream().sorted()
                        .map(u -> u + " is healthy: successfully committed proposal: took = <T>").toList());
    }

    @Test
    void endpointHealthJson() {
        Etcdctl.Result r = cluster.etcdctl().run("endpoint", "health", "-w", "json");
        r.assertOk();
        JsonNode arr = Json.parse(r.stdout());
        assertThat(arr.isArray()).isTrue();
        assertThat(arr).hasSize(3);
        Set<String> seen = new HashSet<>();
        for (JsonNode h : arr) {
            assertThat(h.get("health").asBoolean()).isTrue();
            assertThat(h.get("took").asText()).matches(Outputs.GO_DURATION);
            assertThat(h.has("error")).isFalse();
            seen.add(h.get("endpoint").asText());
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(cluster.endpoints());
        // Exact text once the timing is normalised (order is completion order, so compare per element).
        String norm = Outputs.normalizeTook(r.stdout()).strip();
        for (String url : cluster.endpoints()) {
            assertThat(norm).contains("{\"endpoint\":\"" + url + "\",\"health\":true,\"took\":\"<T>\"}");
        }
    }

    @Test
    void endpointStatusClusterJsonHasOneLeaderAndEtcdIds() {
        // Status is read after the cluster settled; the revision must agree everywhere.
        Await.untilPasses("status consistent on all members", Duration.ofSeconds(10), () -> {
            Etcdctl.Result r = cluster.etcdctl(cluster.member("n2")).run("endpoint", "status", "--cluster", "-w", "json");
            r.assertOk();
            JsonNode arr = Json.parse(r.stdout());
            assertThat(arr).hasSize(3);
            List<String> order = new ArrayList<>();
            Set<Long> leaders = new HashSet<>();
            Set<Long> revisions = new HashSet<>();
            int leaderCount = 0;
            for (JsonNode e : arr) {
                Member m = byClientUrl(e.get("Endpoint").asText());
                order.add(m.clientUrl());
                JsonNode st = e.get("Status");
                JsonNode h = st.get("header");
                assertThat(Json.u64(h, "cluster_id")).as("cluster_id").isEqualTo(clusterId);
                assertThat(Json.u64(h, "member_id")).as("member_id of %s", m).isEqualTo(ids.get(m.name()));
                assertThat(Json.i64(h, "revision")).isPositive();
                assertThat(Json.u64(h, "raft_term")).isPositive();
                assertThat(st.get("version").asText()).startsWith("3.4.");
                assertThat(Json.i64(st, "dbSize")).isPositive();
                assertThat(Json.u64(st, "raftIndex")).isPositive();
                assertThat(Json.u64(st, "raftTerm")).isPositive();
                assertThat(Json.u64(st, "raftAppliedIndex")).isPositive();
                assertThat(st.has("errors")).as("errors of %s", m).isFalse();
                assertThat(st.has("isLearner")).isFalse();
                long leader = Json.u64(st, "leader");
                leaders.add(leader);
                revisions.add(Json.i64(h, "revision"));
                if (leader == Json.u64(h, "member_id")) {
                    leaderCount++;
                }
            }
            assertThat(leaderCount).as("members that are their own leader").isEqualTo(1);
            assertThat(leaders).hasSize(1);
            assertThat(ids.values()).contains(leaders.iterator().next());
            assertThat(revisions).hasSize(1);
            // --cluster walks MemberList, which is sorted by ID.
            assertThat(order).containsExactlyElementsOf(membersById().stream().map(Member::clientUrl).toList());
        });
    }

    @Test
    void endpointStatusTable() {
        Await.untilPasses("table equals json status", Duration.ofSeconds(10), () -> {
            Etcdctl ctl = cluster.etcdctl();
            String before = ctl.ok("endpoint", "status", "-w", "json");
            String table = ctl.ok("endpoint", "status", "-w", "table");
            String after = ctl.ok("endpoint", "status", "-w", "json");
            assertThat(after).as("status did not change while the table was printed").isEqualTo(before);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : Json.parse(before)) {
                JsonNode st = e.get("Status");
                long memberId = Json.u64(st.get("header"), "member_id");
                rows.add(List.of(e.get("Endpoint").asText(), EtcdIds.hex(memberId), st.get("version").asText(),
                        Outputs.humanizeBytes(Json.i64(st, "dbSize")),
                        Boolean.toString(Json.u64(st, "leader") == memberId),
                        Boolean.toString(st.path("isLearner").asBoolean(false)),
                        Long.toUnsignedString(Json.u64(st, "raftTerm")),
                        Long.toUnsignedString(Json.u64(st, "raftIndex")),
                        Long.toUnsignedString(Json.u64(st, "raftAppliedIndex")), ""));
            }
            assertThat(table).isEqualTo(Outputs.table(List.of("ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER",
                    "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"), rows));
        });
    }

    @Test
    void memberListSimpleTableAndJson() {
        Etcdctl ctl = cluster.etcdctl(cluster.member("n3"));
        List<Member> sorted = membersById();

        StringBuilder simple = new StringBuilder();
        List<List<String>> rows = new ArrayList<>();
        for (Member m : sorted) {
            simple.append(EtcdIds.hex(ids.get(m.name()))).append(", started, ").append(m.name()).append(", ")
                    .append(m.peerUrl()).append(", ").append(m.clientUrl()).append(", false\n");
            rows.add(List.of(EtcdIds.hex(ids.get(m.name())), "started", m.name(), m.peerUrl(), m.clientUrl(), "false"));
        }
        assertThat(ctl.ok("member", "list")).isEqualTo(simple.toString());
        assertThat(ctl.ok("member", "list", "-w", "table")).isEqualTo(Outputs.table(
                List.of("ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"), rows));

        String members = sorted.stream().map(m -> "{\"ID\":" + EtcdIds.decimal(ids.get(m.name())) + ",\"name\":\""
                        + m.name() + "\",\"peerURLs\":[\"" + m.peerUrl() + "\"],\"clientURLs\":[\"" + m.clientUrl() + "\"]}")
                .collect(Collectors.joining(","));
        // Cluster RPC headers carry no revision (§3.1).
        assertThat(Outputs.normalizeRaftTerm(ctl.ok("member", "list", "-w", "json"))).isEqualTo(
                "{\"header\":{\"cluster_id\":" + EtcdIds.decimal(clusterId) + ",\"member_id\":"
                        + EtcdIds.decimal(ids.get("n3")) + ",\"raft_term\":<TERM>},\"members\":[" + members + "]}\n");
    }

    @Test
    void hashKvIsEqualOnAllMembersAfterWrites() {
        Etcdctl ctl = cluster.etcdctl();
        for (int i = 0; i < 20; i++) {
            ctl.ok("put", "hash/" + i, "value-" + i);
        }
        ctl.ok("del", "hash/3");
        long revision = Json.i64(Json.parse(ctl.ok("get", "hash/0", "-w", "json")).get("header"), "revision");
        // Wait until every member has applied everything, then compare hashes at that revision.
        for (Member m : cluster.members()) {
            Await.untilPasses(m + " caught up to " + revision, Duration.ofSeconds(10), () ->
                    assertThat(Json.i64(Json.parse(cluster.etcdctl(m).ok("get", "hash/0", "--consistency=s", "-w", "json"))
                            .get("header"), "revision")).isEqualTo(revision));
        }
        Etcdctl.Result r = cluster.etcdctl(cluster.member("n1"))
                .run("endpoint", "hashkv", "--cluster", "--rev", Long.toString(revision));
        r.assertOk();
        List<String> lines = List.of(r.stdout().strip().split("\n"));
        assertThat(lines).hasSize(3).allMatch(l -> l.matches("^http://127\\.0\\.0\\.1:[0-9]+, [0-9]+$"));
        assertThat(lines.stream().map(l -> l.substring(0, l.indexOf(','))).toList())
                .containsExactlyElementsOf(membersById().stream().map(Member::clientUrl).toList());
        assertThat(lines.stream().map(l -> l.substring(l.indexOf(", ") + 2)).distinct()).hasSize(1);

        JsonNode arr = Json.parse(cluster.etcdctl(cluster.member("n1"))
                .ok("endpoint", "hashkv", "--cluster", "-w", "json", "--rev", Long.toString(revision)));
        Set<Long> hashes = new HashSet<>();
        for (JsonNode e : arr) {
            JsonNode hk = e.get("HashKV");
            hashes.add(Json.i64(hk, "hash"));
            assertThat(Json.i64(hk, "compact_revision")).as("never compacted").isEqualTo(-1);
            assertThat(Json.u64(hk.get("header"), "member_id"))
                    .isEqualTo(ids.get(byClientUrl(e.get("Endpoint").asText()).name()));
        }
        assertThat(hashes).hasSize(1).doesNotContain(0L);
        assertThat(lines.get(0)).endsWith(", " + hashes.iterator().next());
    }
}
