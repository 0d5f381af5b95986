package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.storage.EtcdError;
import io.etch.storage.lease.Lease;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases across three in-JVM members: grant/renew/time-to-live from a follower (forwarded), only the
 * leader's lessor is primary, expiry revokes through raft on every member, a restarted member that
 * catches up by raft snapshot install has the leases.
 */
class LeaseCoordinatorTest {
    @TempDir
    Path tmp;

    private final List<RaftMember> members = new ArrayList<>();
    private final List<StoreHolder> stores = new ArrayList<>();
    private List<ClusterMember> cluster;

    @AfterEach
    void stopAll() {
        members.stream().filter(m -> m != null).forEach(RaftMember::close);
        stores.stream().filter(s -> s != null).forEach(StoreHolder::close);
    }

    private void startCluster() throws IOException {
        List<ServerSocket> open = new ArrayList<>();
        cluster = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ServerSocket s = new ServerSocket(0);
            open.add(s);
            String url = "http://127.0.0.1:" + s.getLocalPort();
            cluster.add(new ClusterMember(MemberIds.memberId(List.of(url), "t"), "n" + (i + 1), List.of(url)));
        }
        for (ServerSocket s : open) {
            s.close();
        }
        for (int i = 0; i < 3; i++) {
            members.add(null);
            stores.add(null);
            start(i);
        }
    }

    private void start(int i) throws IOException {
        ClusterMember self = cluster.get(i);
        Path dir = tmp.resolve(self.name());
        StoreHolder store = new StoreHolder(dir.resolve("kv"));
        long clusterId = MemberIds.clusterId(cluster.stream().map(ClusterMember::id).toList());
        // election 600 ms / heartbeat 60 ms: minimum lease TTL ceil(15 × 60 ms) = 1 s; snapshot every 50 entries
        RaftConfig cfg = new RaftConfig(dir.resolve("raft"), self, cluster, clusterId, 600, 60, 50, 5000,
                "127.0.0.1", self.peerPort());
        RaftMember m = new RaftMember(cfg, store);
        m.start(List.of("http://127.0.0.1:" + (self.peerPort() + 1)));
        members.set(i, m);
        stores.set(i, store);
    }

    private void stop(int i) {
        members.get(i).close();
        stores.get(i).close();
        members.set(i, null);
        stores.set(i, null);
    }

    private int leaderIndex() {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i) != null && members.get(i).isLeader() && members.get(i).leases().lessor().isPrimary()) {
                return i;
            }
        }
        return -1;
    }

    private static void await(BooleanSupplier cond, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static RaftResult propose(RaftMember m, RaftCommand.Builder cmd) throws Exception {
        return m.propose(cmd).get(10, TimeUnit.SECONDS);
    }

    private static RaftCommand.Builder grant(long id, long ttl) {
        return RaftCommand.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl));
    }

    private static RaftCommand.Builder put(String k, long lease) {
        return RaftCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                .setValue(ByteString.copyFromUtf8("v")).setLease(lease));
    }

    private long count(int i, String key) {
        return stores.get(i).read(s -> s.range(io.etch.api.etcdserverpb.RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).build()).getCount());
    }

    private List<Lease> leases(int i) {
        return stores.get(i).read(s -> s.leases());
    }

    private List<ByteString> keys(int i, long lease) {
        return stores.get(i).read(s -> s.leaseKeys(lease));
    }

    @Test
    void followersForwardTheLeaderExpiresAndASnapshotCarriesLeases() throws Exception {
        startCluster();
        await(() -> leaderIndex() >= 0, Duration.ofSeconds(15), "a primary leader");
        int leader = leaderIndex();
        int follower = (leader + 1) % 3;
        RaftMember f = members.get(follower);
        assertThat(f.leases().lessor().isPrimary()).isFalse();

        long id = f.leases().nextId();
        assertThat(id).isPositive();
        RaftResult g = propose(f, grant(id, 0));
        assertThat(g.getLeaseGrant().getTTL()).isEqualTo(1); // raised to this cluster's minimum
        assertThat(propose(f, grant(id, 5)).getError()).isEqualTo(EtcdError.LEASE_EXIST.name());
        long keep = f.leases().nextId();
        assertThat(propose(f, grant(keep, 30)).getError()).isEmpty();
        assertThat(propose(f, put("short", id)).getError()).isEmpty();
        assertThat(propose(f, put("long", keep)).getError()).isEmpty();

        // renew and time-to-live from a follower are answered by the leader
        assertThat(f.leases().renew(keep).get(10, TimeUnit.SECONDS)).isEqualTo(30);
        Optional<LeaseTimeToLiveResponse> ttl = f.leases().timeToLive(
                LeaseTimeToLiveRequest.newBuilder().setID(keep).setKeys(true).build()).get(10, TimeUnit.SECONDS);
        assertThat(ttl).isPresent();
        assertThat(ttl.get().getGrantedTTL()).isEqualTo(30);
        assertThat(ttl.get().getTTL()).isBetween(28L, 30L);
        assertThat(ttl.get().getKeysList()).containsExactly(ByteString.copyFromUtf8("long"));
        assertThat(f.leases().timeToLive(LeaseTimeToLiveRequest.newBuilder().setID(12345).build())
                .get(10, TimeUnit.SECONDS)).isEmpty();
        assertThatThrownBy(() -> f.leases().renew(12345).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasMessageContaining(EtcdError.LEASE_NOT_FOUND.message());

        // the 1 s lease expires: the leader proposes the revoke, every member deletes the key
        for (int i = 0; i < 3; i++) {
            int m = i;
            await(() -> count(m, "short") == 0, Duration.ofSeconds(10), "expiry on member " + m);
            assertThat(count(m, "long")).isEqualTo(1);
            assertThat(leases(m)).containsExactly(new Lease(keep, 30));
        }

        // a member that misses enough entries is caught up by a raft snapshot and has the leases
        int lagging = (leader + 2) % 3;
        stop(lagging);
        long late = f.leases().nextId();
        assertThat(propose(f, grant(late, 60)).getError()).isEmpty();
        assertThat(propose(f, put("late", late)).getError()).isEmpty();
        for (int i = 0; i < 120; i++) {
            assertThat(propose(members.get(leader), put("fill" + i, 0)).getError()).isEmpty();
        }
        start(lagging);
        long rev = stores.get(leader).read(s -> s.currentRevision());
        await(() -> stores.get(lagging).read(s -> s.currentRevision()) == rev, Duration.ofSeconds(20), "catch-up");
        assertThat(leases(lagging)).containsExactlyInAnyOrder(
                new Lease(keep, 30), new Lease(late, 60));
        assertThat(keys(lagging, late)).containsExactly(ByteString.copyFromUtf8("late"));
        // its lease table is live after the install: a put with a known lease is accepted through it
        assertThat(propose(members.get(lagging), put("late2", late)).getError()).isEmpty();
        assertThat(propose(members.get(lagging), put("late3", 999)).getError())
                .isEqualTo(EtcdError.LEASE_NOT_FOUND.name());
        members.get(lagging).readBarrier().get(10, TimeUnit.SECONDS);
        assertThat(count(lagging, "late2")).isEqualTo(1); // applied on the installed store too
        assertThat(keys(lagging, late)).containsExactly(ByteString.copyFromUtf8("late"), ByteString.copyFromUtf8("late2"));
    }
}
