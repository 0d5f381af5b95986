package io.etch.e2e;

import static io.etch.e2e.Json.base64;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The KV commands of the real etcdctl against a fresh 3-member cluster: put/get/del/txn/compaction,
 * their flags and output formats (reference §2.1, §3.1–3.5, §3.8).
 *
 * <p>Commands go to member n1 so that {@code header.member_id} is known. Test 1 relies on a fresh
 * cluster (revision 1); later tests compute revisions relative to the current one. Compaction runs
 * last because it makes older revisions unreadable. Keys used: {@code k1 k2} (test 1), {@code zz/*}
 * (ranges; the highest keys in the store so that --from-key is predictable), {@code p/* d/* t/* c/*}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KvE2ETest {

    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("kv");

    private static Cluster cluster;
    private static Etcdctl ctl;
    private static String clusterId;
    private static String memberId;

    @BeforeAll
    static void setUp() {
        cluster = CLUSTER.cluster();
        Member n1 = cluster.member("n1");
        ctl = cluster.etcdctl(n1);
        List<Long> ids = cluster.members().stream()
                .map(m -> EtcdIds.memberId(List.of(m.peerUrl()), cluster.token())).toList();
        clusterId = EtcdIds.decimal(EtcdIds.clusterId(ids));
        memberId = EtcdIds.decimal(EtcdIds.memberId(List.of(n1.peerUrl()), cluster.token()));
    }

    /** {@code "header":{...}} as etcdctl prints it for a KV response from n1 at {@code revision}. */
    private static String hdr(long revision) {
        return "\"header\":{\"cluster_id\":" + clusterId + ",\"member_id\":" + memberId
                + ",\"revision\":" + revision + ",\"raft_term\":<TERM>}";
    }

    /** One mvccpb.KeyValue as etcdctl -w json prints it (lease 0 omitted). */
    private static String kv(String key, long create, long mod, long version, String value) {
        return "{\"key\":\"" + base64(key) + "\",\"create_revision\":" + create + ",\"mod_revision\":" + mod
                + ",\"version\":" + version + ",\"value\":\"" + base64(value) + "\"}";
    }

    private static String json(String... args) {
        return Outputs.normalizeRaftTerm(ctl.ok(args));
    }

    /** The current store revision, from a Range on a key nobody writes. */
    private static long currentRevision() {
        return Json.i64(Json.parse(ctl.ok("get", "no-such-key", "-w", "json")).get("header"), "revision");
    }

    @Test
    @Order(1)
    void freshClusterStartsAtRevision1AndCountsRevisionsExactly() {
        assertThat(json("get", "k1", "-w", "json")).isEqualTo("{" + hdr(1) + "}\n");

        assertThat(ctl.ok("put", "k1", "v1")).isEqualTo("OK\n");                       // rev 2
        assertThat(json("put", "k2", "v2", "-w", "json")).isEqualTo("{" + hdr(3) + "}\n");
        assertThat(ctl.ok("put", "k1", "v1b")).isEqualTo("OK\n");                      // rev 4

        assertThat(json("get", "k1", "-w", "json"))
                .isEqualTo("{" + hdr(4) + ",\"kvs\":[" + kv("k1", 2, 4, 2, "v1b") + "],\"count\":1}\n");
        // A historical read still carries the current revision in its header (§3.1).
        assertThat(json("get", "k1", "--rev", "2", "-w", "json"))
                .isEqualTo("{" + hdr(4) + ",\"kvs\":[" + kv("k1", 2, 2, 1, "v1") + "],\"count\":1}\n");

        String fields = ctl.ok("get", "k1", "-w", "fields").replaceAll("\"RaftTerm\" : [1-9][0-9]*", "\"RaftTerm\" : <TERM>");
        assertThat(fields).isEqualTo(String.join("\n",
                "\"ClusterID\" : " + clusterId,
                "\"MemberID\" : " + memberId,
                "\"Revision\" : 4",
                "\"RaftTerm\" : <TERM>",
                "\"Key\" : \"k1\"",
                "\"CreateRevision\" : 2",
                "\"ModRevision\" : 4",
                "\"Version\" : 2",
                "\"Value\" : \"v1b\"",
                "\"Lease\" : 0",
                "\"More\" : false",
                "\"Count\" : 1", ""));

        // Delete resets the key: the next put creates it again with version 1.
        assertThat(ctl.ok("del", "k1")).isEqualTo("1\n");                               // rev 5
        assertThat(ctl.ok("put", "k1", "again")).isEqualTo("OK\n");                     // rev 6
        assertThat(json("get", "k1", "-w", "json"))
                .isEqualTo("{" + hdr(6) + ",\"kvs\":[" + kv("k1", 6, 6, 1, "again") + "],\"count\":1}\n");
        // Putting the same value again still bumps revision and version.
        assertThat(ctl.ok("put", "k1", "again")).isEqualTo("OK\n");                     // rev 7
        assertThat(json("get", "k1", "-w", "json"))
                .isEqualTo("{" + hdr(7) + ",\"kvs\":[" + kv("k1", 6, 7, 2, "again") + "],\"count\":1}\n");
    }

    @Test
    @Order(2)
    void getWithRangeFlagsAndOutputFormats() {
        long r = currentRevision();
        ctl.ok("put", "zz/a", "3");      // r+1
        ctl.ok("put", "zz/b", "100");    // r+2
        ctl.ok("put", "zz/c", "2");      // r+3
        ctl.ok("put", "zz/a", "30");     // r+4

        assertThat(ctl.ok("get", "--prefix", "zz/")).isEqualTo("zz/a\n30\nzz/b\n100\nzz/c\n2\n");
        assertThat(ctl.ok("get", "zz/a", "zz/c")).isEqualTo("zz/a\n30\nzz/b\n100\n");
        assertThat(ctl.ok("get", "--from-key", "zz/b")).isEqualTo("zz/b\n100\nzz/c\n2\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--limit", "2")).isEqualTo("zz/a\n30\nzz/b\n100\n");
        assertThat(json("get", "--prefix", "zz/", "--limit", "2", "-w", "json")).isEqualTo("{" + hdr(r + 4)
                + ",\"kvs\":[" + kv("zz/a", r + 1, r + 4, 2, "30") + "," + kv("zz/b", r + 2, r + 2, 1, "100")
                + "],\"more\":true,\"count\":3}\n");
        assertThat(json("get", "--prefix", "zz/", "-w", "json")).isEqualTo("{" + hdr(r + 4)
                + ",\"kvs\":[" + kv("zz/a", r + 1, r + 4, 2, "30") + "," + kv("zz/b", r + 2, r + 2, 1, "100")
                + "," + kv("zz/c", r + 3, r + 3, 1, "2") + "],\"count\":3}\n");

        assertThat(ctl.ok("get", "zz/a", "--rev", Long.toString(r + 1))).isEqualTo("zz/a\n3\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--rev", Long.toString(r + 2))).isEqualTo("zz/a\n3\nzz/b\n100\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--rev", Long.toString(r))).isEmpty();

        assertThat(ctl.ok("get", "--prefix", "zz/", "--sort-by=value", "--order=ascend"))
                .isEqualTo("zz/b\n100\nzz/c\n2\nzz/a\n30\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--sort-by=create", "--order=descend"))
                .isEqualTo("zz/c\n2\nzz/b\n100\nzz/a\n30\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--sort-by=modify", "--order=ascend"))
                .isEqualTo("zz/b\n100\nzz/c\n2\nzz/a\n30\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--order=descend")).isEqualTo("zz/c\n2\nzz/b\n100\nzz/a\n30\n");
        // Sort + limit: the server sorts everything first, then limits (§3.4).
        assertThat(ctl.ok("get", "--prefix", "zz/", "--sort-by=value", "--order=descend", "--limit", "1"))
                .isEqualTo("zz/a\n30\n");

        assertThat(ctl.ok("get", "--prefix", "zz/", "--keys-only")).isEqualTo("zz/a\n\nzz/b\n\nzz/c\n\n");
        assertThat(ctl.ok("get", "--prefix", "zz/", "--print-value-only")).isEqualTo("30\n100\n2\n");
        assertThat(ctl.ok("get", "zz/a", "--hex")).isEqualTo("\\x7a\\x7a\\x2f\\x61\n\\x33\\x30\n");

        String fields = ctl.ok("get", "zz/b", "-w", "fields").replaceAll("\"RaftTerm\" : [1-9][0-9]*", "\"RaftTerm\" : <TERM>");
        assertThat(fields).isEqualTo(String.join("\n",
                "\"ClusterID\" : " + clusterId, "\"MemberID\" : " + memberId, "\"Revision\" : " + (r + 4),
                "\"RaftTerm\" : <TERM>", "\"Key\" : \"zz/b\"", "\"CreateRevision\" : " + (r + 2),
                "\"ModRevision\" : " + (r + 2), "\"Version\" : 1", "\"Value\" : \"100\"", "\"Lease\" : 0",
                "\"More\" : false", "\"Count\" : 1", ""));

        // Serializable reads on every member converge to the same answer.
        for (Member m : cluster.members()) {
            Await.untilPasses("serializable read on " + m, Duration.ofSeconds(10), () ->
                    assertThat(cluster.etcdctl(m).ok("get", "--prefix", "zz/", "--consistency=s"))
                            .isEqualTo("zz/a\n30\nzz/b\n100\nzz/c\n2\n"));
            assertThat(cluster.etcdctl(m).ok("get", "--prefix", "zz/")).isEqualTo("zz/a\n30\nzz/b\n100\nzz/c\n2\n");
        }
    }

    @Test
    @Order(3)
    void putWithPrevKv() {
        long r = currentRevision();
        assertThat(ctl.ok("put", "--prev-kv", "p/x", "one")).isEqualTo("OK\n");          // r+1, no prev
        assertThat(ctl.ok("put", "--prev-kv", "p/x", "two")).isEqualTo("OK\np/x\none\n"); // r+2
        assertThat(json("put", "--prev-kv", "p/x", "three", "-w", "json")).isEqualTo("{" + hdr(r + 3)
                + ",\"prev_kv\":" + kv("p/x", r + 1, r + 2, 2, "two") + "}\n");
        assertThat(json("put", "--prev-kv", "p/new", "v", "-w", "json")).isEqualTo("{" + hdr(r + 4) + "}\n");
    }

    @Test
    @Order(4)
    void delWithPrefixAndPrevKv() {
        long r = currentRevision();
        ctl.ok("put", "d/1", "a");   // r+1
        ctl.ok("put", "d/2", "b");   // r+2
        ctl.ok("put", "d/3", "c");   // r+3
        ctl.ok("put", "e/1", "x");   // r+4
        ctl.ok("put", "f/1", "y");   // r+5
        ctl.ok("put", "f/2", "z");   // r+6

        assertThat(ctl.ok("del", "--prefix", "d/")).isEqualTo("3\n");                     // r+7, one revision
        assertThat(json("get", "--prefix", "d/", "-w", "json")).isEqualTo("{" + hdr(r + 7) + "}\n");
        assertThat(ctl.ok("del", "--prev-kv", "e/1")).isEqualTo("1\ne/1\nx\n");            // r+8
        assertThat(json("del", "--prefix", "--prev-kv", "f/", "-w", "json")).isEqualTo("{" + hdr(r + 9)
                + ",\"deleted\":2,\"prev_kvs\":[" + kv("f/1", r + 5, r + 5, 1, "y") + ","
                + kv("f/2", r + 6, r + 6, 1, "z") + "]}\n");

        // Deleting nothing does not create a revision.
        assertThat(ctl.ok("del", "e/1")).isEqualTo("0\n");
        assertThat(ctl.ok("del", "--prefix", "nothing-here/")).isEqualTo("0\n");
        assertThat(json("del", "e/1", "-w", "json")).isEqualTo("{" + hdr(r + 9) + "}\n");
        assertThat(currentRevision()).isEqualTo(r + 9);
    }

    @Test
    @Order(5)
    void txnSuccessAndFailureBranches() {
        long r = currentRevision();
        ctl.ok("put", "t/a", "1");                                                        // r+1

        String success = "value(\"t/a\") = \"1\"\n\nput t/b \"x\"\nget t/a\ndel t/gone\n\nput t/c \"y\"\n\n";
        Etcdctl.Result s = ctl.runWithStdin(success, "txn").assertOk();                   // r+2
        assertThat(s.stdout()).isEqualTo("SUCCESS\n\nOK\n\nt/a\n1\n\n0\n");

        String failure = "version(\"t/a\") = \"5\"\n\nput t/b \"x\"\n\nput t/c \"y\"\nget t/a\n\n";
        Etcdctl.Result f = ctl.runWithStdin(failure, "txn").assertOk();                   // r+3
        assertThat(f.stdout()).isEqualTo("FAILURE\n\nOK\n\nt/a\n1\n");

        // -w json prints the Go oneof wrappers; succeeded=false is omitted; inner headers carry only revision.
        Etcdctl.Result fj = ctl.runWithStdin(failure, "txn", "-w", "json").assertOk();    // r+4
        assertThat(Outputs.normalizeRaftTerm(fj.stdout())).isEqualTo("{" + hdr(r + 4) + ",\"responses\":["
                + "{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":" + (r + 4) + "}}}},"
                + "{\"Response\":{\"ResponseRange\":{\"header\":{\"revision\":" + (r + 4) + "},\"kvs\":["
                + kv("t/a", r + 1, r + 1, 1, "1") + "],\"count\":1}}}]}\n");

        // Two puts in one txn share one revision and one mod_revision.
        String twoPuts = "mod(\"t/a\") = \"" + (r + 1) + "\"\n\nput t/x \"1 2\"\nput t/y z\n\n\n";
        Etcdctl.Result sj = ctl.runWithStdin(twoPuts, "txn", "-w", "json").assertOk();    // r+5
        assertThat(Outputs.normalizeRaftTerm(sj.stdout())).isEqualTo("{" + hdr(r + 5) + ",\"succeeded\":true,"
                + "\"responses\":[{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":" + (r + 5) + "}}}},"
                + "{\"Response\":{\"ResponsePut\":{\"header\":{\"revision\":" + (r + 5) + "}}}}]}\n");
        assertThat(json("get", "t/x", "t/z", "-w", "json")).isEqualTo("{" + hdr(r + 5) + ",\"kvs\":["
                + kv("t/x", r + 5, r + 5, 1, "1 2") + "," + kv("t/y", r + 5, r + 5, 1, "z") + "],\"count\":2}\n");

        // A txn whose branch changes nothing does not bump the revision.
        Etcdctl.Result ro = ctl.runWithStdin("create(\"t/none\") = \"0\"\n\nget t/none\n\n\n", "txn").assertOk();
        assertThat(ro.stdout()).isEqualTo("SUCCESS\n\n");
        assertThat(currentRevision()).isEqualTo(r + 5);
    }

    @Test
    @Order(100)
    void compactionMakesOlderRevisionsUnreadable() {
        long r = currentRevision();
        ctl.ok("put", "c/k", "1");   // r+1
        ctl.ok("put", "c/k", "2");   // r+2
        ctl.ok("put", "c/k", "3");   // r+3
        long compactRev = r + 2;

        assertThat(ctl.ok("compaction", Long.toString(compactRev))).isEqualTo("compacted revision " + compactRev + "\n");

        ctl.run("get", "c/k", "--rev", Long.toString(r + 1))
                .assertEtcdError("etcdserver: mvcc: required revision has been compacted");
        // revision == compact revision is still readable (§3.4)
        assertThat(ctl.ok("get", "c/k", "--rev", Long.toString(compactRev))).isEqualTo("c/k\n2\n");
        assertThat(ctl.ok("get", "c/k")).isEqualTo("c/k\n3\n");
        ctl.run("get", "c/k", "--rev", Long.toString(r + 100))
                .assertEtcdError("etcdserver: mvcc: required revision is a future revision");
        ctl.run("compaction", Long.toString(r + 1))
                .assertEtcdError("etcdserver: mvcc: required revision has been compacted");
        ctl.run("compaction", Long.toString(compactRev))
                .assertEtcdError("etcdserver: mvcc: required revision has been compacted");
        ctl.run("compaction", Long.toString(r + 100))
                .assertEtcdError("etcdserver: mvcc: required revision is a future revision");
        assertThat(currentRevision()).isEqualTo(r + 3);

        // Every member applied the compaction.
        for (Member m : cluster.members()) {
            Etcdctl mctl = cluster.etcdctl(m);
            Await.untilPasses("compaction applied on " + m, Duration.ofSeconds(10), () -> {
                JsonNode hashkv = Json.parse(mctl.ok("endpoint", "hashkv", "-w", "json")).get(0).get("HashKV");
                assertThat(Json.i64(hashkv, "compact_revision")).isEqualTo(compactRev);
            });
            mctl.run("get", "c/k", "--rev", Long.toString(r + 1), "--consistency=s")
                    .assertEtcdError("etcdserver: mvcc: required revision has been compacted");
        }
    }
}
