package io.etch.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests the server must reject with etcd's exact error text (reference §3.2–3.5, §3.9, §3.10), and
 * that must change nothing: after each one the revision and the whole keyspace are unchanged.
 *
 * <p>The cluster runs with small limits: {@code --max-request-bytes 1024 --max-txn-ops 3}.
 */
class BadInputE2ETest {

    static final int MAX_REQUEST_BYTES = 1024;
    static final int MAX_TXN_OPS = 3;

    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("badinput",
            "--max-request-bytes", Integer.toString(MAX_REQUEST_BYTES),
            "--max-txn-ops", Integer.toString(MAX_TXN_OPS));

    private static Etcdctl ctl;

    @BeforeAll
    static void setUp() {
        Cluster cluster = CLUSTER.cluster();
        ctl = cluster.etcdctl(cluster.member("n1"));
        ctl.ok("put", "a", "1");
        ctl.ok("put", "b", "2");
    }

    /** header.revision and kvs of the whole keyspace (the header's IDs/term are not part of the state). */
    private static String state() {
        JsonNode all = Json.parse(ctl.ok("get", "--from-key", "", "-w", "json"));
        return "revision=" + Json.i64(all.get("header"), "revision") + " kvs=" + all.path("kvs") + " count=" + all.path("count");
    }

    /** Runs a command that must fail with exit 1 and {@code Error: <message>}, and must change nothing. */
    private static void assertRejected(String message, String stdin, String... args) {
        String before = state();
        Etcdctl.Result r = ctl.runWithStdin(stdin, args);
        r.assertEtcdError(message);
        assertThat(state()).as("state after %s", r).isEqualTo(before);
    }

    @Test
    void emptyKeyIsRejectedByTheServer() {
        assertRejected("etcdserver: key is not provided", null, "put", "", "v");
        assertRejected("etcdserver: key is not provided", null, "get", "");
        assertRejected("etcdserver: key is not provided", null, "del", "");
        assertRejected("etcdserver: key is not provided", "\nput \"\" v\n\n\n", "txn");
    }

    @Test
    void rangeEndBelowKeyIsAnEmptyResultNotAnError() {
        String before = state();
        assertThat(ctl.ok("get", "b", "a")).isEmpty();
        JsonNode json = Json.parse(ctl.ok("get", "b", "a", "-w", "json"));
        assertThat(json.has("kvs")).isFalse();
        assertThat(json.has("count")).isFalse();
        assertThat(json.has("more")).isFalse();
        assertThat(ctl.ok("del", "b", "a")).isEqualTo("0\n");
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void oversizedRequestIsTooLarge() {
        String big = "x".repeat(2 * MAX_REQUEST_BYTES);
        assertRejected("etcdserver: request is too large", null, "put", "big", big);
        assertRejected("etcdserver: request is too large", "\nput big " + big + "\n\n\n", "txn");
        // Just below the limit is accepted (the limit applies to the whole raft proposal).
        assertThat(ctl.ok("put", "notsobig", "y".repeat(MAX_REQUEST_BYTES - 200))).isEqualTo("OK\n");
    }

    @Test
    void txnWithDuplicateKeysIsRejected() {
        assertRejected("etcdserver: duplicate key given in txn request", "\nput d 1\nput d 2\n\n\n", "txn");
        assertRejected("etcdserver: duplicate key given in txn request", "\nput d 1\ndel d\n\n\n", "txn");
        assertRejected("etcdserver: duplicate key given in txn request", "\nput d/x 1\ndel d/ --prefix\n\n\n", "txn");
        assertRejected("etcdserver: duplicate key given in txn request", "\n\nput d 1\nput d 2\n\n", "txn");
        // The same key in the success and the failure branch is fine.
        assertThat(ctl.runWithStdin("\nput d 1\n\nput d 2\n\n", "txn").assertOk().stdout()).isEqualTo("SUCCESS\n\nOK\n");
    }

    @Test
    void txnWithTooManyOpsIsRejected() {
        assertRejected("etcdserver: too many operations in txn request",
                "\nput t1 1\nput t2 2\nput t3 3\nput t4 4\n\n\n", "txn");
        assertRejected("etcdserver: too many operations in txn request",
                "\n\nput t1 1\nput t2 2\nput t3 3\nput t4 4\n\n", "txn");
        assertRejected("etcdserver: too many operations in txn request",
                "value(\"a\") = \"1\"\nvalue(\"a\") = \"1\"\nvalue(\"a\") = \"1\"\nvalue(\"a\") = \"1\"\n\nput t1 1\n\n\n", "txn");
        // Exactly --max-txn-ops is allowed.
        assertThat(ctl.runWithStdin("\nput t1 1\nput t2 2\nput t3 3\n\n\n", "txn").assertOk().stdout())
                .isEqualTo("SUCCESS\n\nOK\n\nOK\n\nOK\n");
    }

    @Test
    void futureAndCompactedRevisions() {
        long current = Json.i64(Json.parse(ctl.ok("get", "a", "-w", "json")).get("header"), "revision");
        assertRejected("etcdserver: mvcc: required revision is a future revision", null,
                "get", "a", "--rev", Long.toString(current + 1));
        assertRejected("etcdserver: mvcc: required revision is a future revision", null,
                "compaction", Long.toString(current + 1));

        ctl.ok("put", "c", "1");
        ctl.ok("put", "c", "2");
        long compactRev = current + 2;
        assertThat(ctl.ok("compaction", Long.toString(compactRev))).isEqualTo("compacted revision " + compactRev + "\n");
        assertRejected("etcdserver: mvcc: required revision has been compacted", null,
                "get", "c", "--rev", Long.toString(compactRev - 1));
        assertRejected("etcdserver: mvcc: required revision has been compacted", null,
                "get", "--prefix", "", "--rev", "1");
        assertRejected("etcdserver: mvcc: required revision has been compacted", null,
                "compaction", Long.toString(compactRev));
        assertThat(ctl.ok("get", "c", "--rev", Long.toString(compactRev))).isEqualTo("c\n2\n");
    }

    @Test
    void invalidInputRejectedByEtcdctlItselfNeverReachesTheServer() {
        // Client-side checks (exit codes from etcdctl, not the server): kept to pin the exit codes.
        String before = state();
        Etcdctl.Result r = ctl.run("get", "a", "-w", "table");
        assertThat(r.exitCode()).isEqualTo(4);
        assertThat(r.lastErrorLine()).isEqualTo("Error: table not supported as output format");
        Etcdctl.Result noArgs = ctl.run("put");
        assertThat(noArgs.exitCode()).isEqualTo(128);
        assertThat(noArgs.lastErrorLine()).isEqualTo("Error: put command needs 1 argument and input from stdin or 2 arguments");
        assertThat(state()).isEqualTo(before);
        assertThat(List.of(r.stdout(), noArgs.stdout())).containsOnly("");
    }
}
