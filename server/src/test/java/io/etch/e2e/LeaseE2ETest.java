package io.etch.e2e;

import static io.etch.e2e.Json.base64;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code lease} commands of the real etcdctl against a fresh 3-member cluster (reference §2.3, §3.7):
 * grant/revoke/timetolive/list/keep-alive in simple and JSON output, forwarding from followers, expiry
 * deleting attached keys in one revision, bad input, and a lease surviving a leader kill.
 *
 * <p>Lease IDs are chosen by the server, so outputs are matched with the ID read back from {@code grant}.
 * etcd lists attached keys and leases in map/expiry order, so those are compared as sets. Keys used:
 * {@code lk/*} (test 1), {@code bad/*}, {@code exp/*}, {@code ka/*}, {@code fail/*}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaseE2ETest {

    @RegisterExtension
    static final ClusterExtension CLUSTER = new ClusterExtension("lease");

    private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\((\\d+)s\\)\n");
    private static final String NOT_FOUND = "etcdserver: requested lease not found";

    private static Cluster cluster;
    private static Etcdctl ctl;
    private static Etcdctl follower;
    private static long clusterId;
    private static long memberId;

    @BeforeAll
    static void setUp() {
        cluster = CLUSTER.cluster();
        Member n1 = cluster.member("n1");
        ctl = cluster.etcdctl(n1);
        List<Long> ids = cluster.members().stream()
                .map(m -> EtcdIds.memberId(List.of(m.peerUrl()), cluster.token())).toList();
        clusterId = EtcdIds.clusterId(ids);
        memberId = EtcdIds.memberId(List.of(n1.peerUrl()), cluster.token());
    }

    @BeforeEach
    void allMembersUp() {
        cluster.ensureAllRunning(Duration.ofSeconds(60));
        Member leader = cluster.leader(Duration.ofSeconds(20));
        follower = cluster.etcdctl(cluster.members().stream().filter(m -> !m.equals(leader)).findFirst().orElseThrow());
    }

    /** Grants a lease through {@code c} and returns its hex ID; checks the simple output. */
    private static String grant(Etcdctl c, long ttl, long expectTtl) {
        String out = c.ok("lease", "grant", Long.toString(ttl));
        Matcher m = GRANTED.matcher(out);
        assertThat(m.matches()).as("grant output %s", out).isTrue();
        assertThat(Long.parseLong(m.group(2))).isEqualTo(expectTtl);
        return m.group(1);
    }

    private static long dec(String hex) {
        return Long.parseUnsignedLong(hex, 16);
    }

    private static long revision() {
        return Json.i64(Json.parse(ctl.ok("get", "no-such-key", "-w", "json")).get("header"), "revision");
    }

    private static void assertHeader(JsonNode json) {
        assertThat(Json.u64(json, "cluster_id")).isEqualTo(clusterId);
        assertThat(Json.u64(json, "member_id")).isEqualTo(memberId);
        assertThat(Json.i64(json, "raft_term")).isPositive();
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    @Order(1)
    void grantTimeToLiveListKeepAliveOnceAndRevoke() {
        String small = grant(ctl, 1, 2); // raised to the minimum, ceil(1.5 × election timeout)
        assertThat(ctl.ok("lease", "revoke", small)).isEqualTo("lease " + small + " revoked\n");
        String lease = grant(ctl, 100, 100);
        assertThat(dec(lease)).isPositive();

        JsonNode g = Json.parse(ctl.ok("lease", "grant", "100", "-w", "json"));
        assertThat(fieldNames(g)).containsExactly("cluster_id", "member_id", "revision", "raft_term", "ID", "TTL", "Error");
        assertHeader(g);
        assertThat(Json.i64(g, "revision")).isEqualTo(revision());
        assertThat(Json.i64(g, "TTL")).isEqualTo(100);
        assertThat(g.get("Error").asText()).isEmpty();
        String jsonLease = String.format("%016x", Json.i64(g, "ID"));

        assertThat(ctl.ok("put", "lk/1", "v", "--lease=" + lease)).isEqualTo("OK\n");
        assertThat(ctl.ok("put", "lk/2", "v", "--lease=" + lease)).isEqualTo("OK\n");
        long rev = revision();
        JsonNode kv = Json.parse(ctl.ok("get", "lk/1", "-w", "json")).get("kvs").get(0);
        assertThat(Json.i64(kv, "lease")).isEqualTo(dec(lease));

        // timetolive, simple and JSON, on n1 and through a follower (forwarded to the leader)
        for (Etcdctl c : List.of(ctl, follower)) {
            assertThat(c.ok("lease", "timetolive", lease)).matches(
                    "lease " + lease + " granted with TTL\\(100s\\), remaining\\((9[0-9]|100)s\\)\n");
            assertThat(c.ok("lease", "timetolive", lease, "--keys")).matches("lease " + lease
                    + " granted with TTL\\(100s\\), remaining\\((9[0-9]|100)s\\), attached keys\\(\\[(lk/1 lk/2|lk/2 lk/1)\\]\\)\n");
        }
        JsonNode t = Json.parse(ctl.ok("lease", "timetolive", lease, "--keys", "-w", "json"));
        assertThat(fieldNames(t)).containsExactly("cluster_id", "member_id", "revision", "raft_term", "id", "ttl",
                "granted-ttl", "keys");
        assertHeader(t);
        assertThat(Json.i64(t, "revision")).isEqualTo(rev);
        assertThat(Json.i64(t, "id")).isEqualTo(dec(lease));
        assertThat(Json.i64(t, "ttl")).isBetween(90L, 100L);
        assertThat(Json.i64(t, "granted-ttl")).isEqualTo(100);
        List<String> keys = new ArrayList<>();
        t.get("keys").forEach(k -> keys.add(k.asText()));
        assertThat(keys).containsExactlyInAnyOrder(base64("lk/1"), base64("lk/2"));
        assertThat(Json.parse(ctl.ok("lease", "timetolive", lease, "-w", "json")).get("keys").isNull()).isTrue();

        // list
        String list = ctl.ok("lease", "list");
        assertThat(list).startsWith("found 2 leases\n");
        assertThat(list.lines().skip(1).toList()).containsExactlyInAnyOrder(lease, jsonLease);
        JsonNode l = Json.parse(ctl.ok("lease", "list", "-w", "json"));
        assertHeader(l);
        List<Long> listed = new ArrayList<>();
        l.get("leases").forEach(s -> listed.add(s.get("id").asLong()));
        assertThat(listed).containsExactlyInAnyOrder(dec(lease), dec(jsonLease));

        // keep-alive --once, on n1 and through a follower
        assertThat(ctl.ok("lease", "keep-alive", "--once", lease)).isEqualTo("lease " + lease + " keepalived with TTL(100)\n");
        assertThat(follower.ok("lease", "keep-alive", "--once", lease))
                .isEqualTo("lease " + lease + " keepalived with TTL(100)\n");
        JsonNode k = Json.parse(ctl.ok("lease", "keep-alive", "--once", lease, "-w", "json"));
        assertThat(fieldNames(k)).containsExactly("cluster_id", "member_id", "revision", "raft_term", "ID", "TTL");
        assertHeader(k);
        assertThat(Json.i64(k, "ID")).isEqualTo(dec(lease));
        assertThat(Json.i64(k, "TTL")).isEqualTo(100);

        // revoke: both keys go at ONE new revision
        assertThat(ctl.ok("lease", "revoke", lease)).isEqualTo("lease " + lease + " revoked\n");
        assertThat(revision()).isEqualTo(rev + 1);
        assertThat(ctl.ok("get", "lk/", "--prefix")).isEmpty();
        assertThat(ctl.ok("lease", "timetolive", lease)).isEqualTo("lease " + lease + " already expired\n");
        JsonNode gone = Json.parse(ctl.ok("lease", "timetolive", lease, "-w", "json"));
        assertThat(Json.i64(gone, "ttl")).isEqualTo(-1);
        assertThat(gone.has("granted-ttl") ? Json.i64(gone, "granted-ttl") : 0).isZero();

        // revoke of a lease without keys: JSON header, revision unchanged
        JsonNode r = Json.parse(ctl.ok("lease", "revoke", jsonLease, "-w", "json"));
        assertThat(fieldNames(r)).containsExactly("header");
        assertHeader(r.get("header"));
        assertThat(Json.i64(r.get("header"), "revision")).isEqualTo(rev + 1);
        assertThat(ctl.ok("lease", "list")).isEqualTo("found 0 leases\n");
    }

    @Test
    @Order(2)
    void badInputGetsEtcdsExactAnswersAndChangesNothing() {
        String lease = grant(ctl, 60, 60);
        ctl.ok("put", "bad/k", "v", "--lease=" + lease);
        long rev = revision();

        Etcdctl.Result revoke = ctl.run("lease", "revoke", "1234");
        assertThat(revoke.exitCode()).as("%s", revoke).isEqualTo(1);
        assertThat(revoke.stdout()).isEmpty();
        assertThat(revoke.lastErrorLine()).isEqualTo("Error: failed to revoke lease (" + NOT_FOUND + ")");

        Etcdctl.Result once = ctl.run("lease", "keep-alive", "--once", "1234");
        assertThat(once.exitCode()).as("%s", once).isEqualTo(2);
        assertThat(once.lastErrorLine()).isEqualTo("Error: " + NOT_FOUND);

        assertThat(ctl.ok("lease", "keep-alive", "1234")).isEqualTo("lease 0000000000001234 expired or revoked.\n");
        assertThat(follower.ok("lease", "keep-alive", "1234")).isEqualTo("lease 0000000000001234 expired or revoked.\n");

        ctl.run("put", "bad/x", "v", "--lease=1234").assertEtcdError(NOT_FOUND);
        ctl.runWithStdin("\nput bad/y v --lease=1234\n\n\n", "txn").assertEtcdError(NOT_FOUND);

        assertThat(ctl.ok("lease", "timetolive", "1234")).isEqualTo("lease 0000000000001234 already expired\n");
        assertThat(follower.ok("lease", "timetolive", "1234")).isEqualTo("lease 0000000000001234 already expired\n");

        ctl.run("lease", "grant", "9000000001").assertEtcdError("failed to grant lease (etcdserver: too large lease TTL)");

        assertThat(revision()).isEqualTo(rev);
        assertThat(ctl.ok("get", "bad/", "--prefix", "--keys-only")).isEqualTo("bad/k\n\n");
        assertThat(ctl.ok("lease", "list")).isEqualTo("found 1 leases\n" + lease + "\n");
        ctl.ok("lease", "revoke", lease);
    }

    @Test
    @Order(3)
    void anExpiredLeaseDeletesItsKeysInOneRevision() {
        String lease = grant(follower, 2, 2);
        ctl.ok("put", "exp/a", "1", "--lease=" + lease);
        ctl.ok("put", "exp/b", "2", "--lease=" + lease);
        ctl.ok("put", "exp/c", "3");
        long rev = revision();
        long t0 = System.nanoTime();
        Await.untilTrue("keys of an expired 2 s lease are deleted", Duration.ofSeconds(10),
                () -> ctl.ok("get", "exp/", "--prefix", "--keys-only").equals("exp/c\n\n"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.println("[e2e] 2 s lease expired after " + ms + " ms");
        assertThat(ms).isLessThan(6000);
        assertThat(revision()).isEqualTo(rev + 1);
        assertThat(ctl.ok("lease", "timetolive", lease)).isEqualTo("lease " + lease + " already expired\n");
        // both deletions are at rev + 1: the previous revision still has both keys, the next none
        assertThat(ctl.ok("get", "exp/", "--prefix", "--keys-only", "--rev", Long.toString(rev)))
                .isEqualTo("exp/a\n\nexp/b\n\nexp/c\n\n");
        // a watcher from rev + 1 sees both DELETEs in ONE response (etcdctl runs until killed)
        Etcdctl.Result watch = ctl.withTimeout(Duration.ofSeconds(3))
                .run("watch", "exp/", "--prefix", "--rev", Long.toString(rev + 1), "-w", "json");
        List<String> responses = watch.stdout().lines().filter(line -> !line.isBlank()).toList();
        assertThat(responses).as("%s", watch).hasSize(1);
        JsonNode events = Json.parse(responses.get(0)).get("Events");
        assertThat(events).hasSize(2);
        List<String> deleted = new ArrayList<>();
        for (JsonNode e : events) {
            assertThat(Json.i64(e, "type")).isEqualTo(1);
            assertThat(Json.i64(e.get("kv"), "mod_revision")).isEqualTo(rev + 1);
            deleted.add(Json.unbase64(e.get("kv").get("key").asText()));
        }
        assertThat(deleted).containsExactly("exp/a", "exp/b");
    }

    @Test
    @Order(4)
    void keepAliveKeepsALeaseBeyondItsTtl() {
        String lease = grant(ctl, 2, 2);
        ctl.ok("put", "ka/k", "v", "--lease=" + lease);
        // etcdctl keeps alive every TTL/3 until it is killed
        Etcdctl.Result ka = follower.withTimeout(Duration.ofSeconds(5)).run("lease", "keep-alive", lease);
        assertThat(ka.timedOut()).isTrue();
        List<String> lines = ka.stdout().lines().toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(3).allMatch(s -> s.equals("lease " + lease + " keepalived with TTL(2)"));
        assertThat(ctl.ok("get", "ka/k", "--print-value-only")).isEqualTo("v\n");
        Await.untilTrue("the lease expires once keep-alives stop", Duration.ofSeconds(10),
                () -> ctl.ok("get", "ka/k").isEmpty());
    }

    @Test
    @Order(5)
    void lockGoesToTheSecondContenderOnlyAfterTheFirstExits() throws Exception {
        long[] firstDone = new long[1];
        Etcdctl.Result[] first = new Etcdctl.Result[1];
        Thread holder = new Thread(() -> {
            first[0] = ctl.run("lock", "lck", "--", "sh", "-c", "echo first; sleep 3");
            firstDone[0] = System.nanoTime();
        });
        holder.start();
        Await.untilTrue("the first contender holds the lock", Duration.ofSeconds(10),
                () -> ctl.ok("get", "lck/", "--prefix", "--keys-only").lines().filter(l -> !l.isEmpty()).count() == 1);
        long t0 = System.nanoTime();
        Etcdctl.Result second = follower.run("lock", "lck", "--", "sh", "-c", "echo second");
        long secondDone = System.nanoTime();
        holder.join(20_000);
        assertThat(first[0].assertOk().stdout()).isEqualTo("first\n");
        assertThat(second.assertOk().stdout()).isEqualTo("second\n");
        assertThat(secondDone).as("second contender finished after the first").isGreaterThan(firstDone[0]);
        assertThat((secondDone - t0) / 1_000_000).as("ms the second contender waited").isGreaterThan(1000);
        assertThat(ctl.ok("get", "lck/", "--prefix")).isEmpty();
    }

    @Test
    @Order(6)
    void aLeaseSurvivesALeaderKillAndKeepAliveContinuesThroughAnotherMember() {
        String lease = grant(ctl, 6, 6);
        ctl.ok("put", "fail/k", "v", "--lease=" + lease);
        Member leader = cluster.leader(Duration.ofSeconds(10));
        List<Member> survivors = cluster.members().stream().filter(m -> !m.equals(leader)).toList();
        Etcdctl survivorsCtl = ctl.withEndpoints(survivors.stream().map(Member::clientUrl).toList());
        cluster.kill(leader);
        // keep alive for longer than the TTL plus an election, only through the survivors
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            assertThat(survivorsCtl.ok("lease", "keep-alive", "--once", lease))
                    .isEqualTo("lease " + lease + " keepalived with TTL(6)\n");
            Await.pause(Duration.ofSeconds(1));
        }
        assertThat(survivorsCtl.ok("get", "fail/k", "--print-value-only")).isEqualTo("v\n");
        Optional<Member> newLeader = cluster.findLeader();
        assertThat(newLeader).isPresent().get().isNotEqualTo(leader);
        assertThat(survivorsCtl.ok("lease", "timetolive", lease)).matches(
                "lease " + lease + " granted with TTL\\(6s\\), remaining\\([0-6]s\\)\n");
        assertThat(survivorsCtl.ok("lease", "revoke", lease)).isEqualTo("lease " + lease + " revoked\n");
        assertThat(survivorsCtl.ok("get", "fail/k")).isEmpty();
        cluster.restart(leader);
        cluster.ensureAllRunning(Duration.ofSeconds(60));
        assertThat(ctl.ok("get", "fail/k")).isEmpty();
        assertThat(ctl.ok("lease", "list")).doesNotContain(lease); // (etcdctl lock leaves its sessions' leases)
    }
}
