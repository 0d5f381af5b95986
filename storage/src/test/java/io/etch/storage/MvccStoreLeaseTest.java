package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.mvccpb.Event;
import io.etch.storage.lease.Lease;
import io.etch.storage.lease.LeaseListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persisted side of leases (reference §3.7, etcd {@code lessor.Grant/Revoke}, {@code kvstore_txn.go}
 * attach/detach): grant rules, attach/detach on put/delete, revoke in one revision, restart, snapshot.
 */
class MvccStoreLeaseTest {
    @TempDir
    Path tmp;
    StoreFixture f;
    final List<String> heard = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        f = new StoreFixture(tmp.resolve("s"));
        f.store.setLeaseListener(recorder());
    }

    @AfterEach
    void close() {
        f.close();
    }

    private LeaseListener recorder() {
        return new LeaseListener() {
            @Override
            public void granted(Lease lease) {
                heard.add("grant " + lease.id() + " " + lease.ttlSeconds());
            }

            @Override
            public void revoked(long id) {
                heard.add("revoke " + id);
            }
        };
    }

    static LeaseGrantRequest grant(long id, long ttl) {
        return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build();
    }

    static LeaseRevokeRequest revoke(long id) {
        return LeaseRevokeRequest.newBuilder().setID(id).build();
    }

    static PutRequest put(String k, String v, long lease) {
        return Req.put(k, v).toBuilder().setLease(lease).build();
    }

    private List<String> keys(long lease) {
        return f.store.leaseKeys(lease).stream().map(ByteString::toStringUtf8).toList();
    }

    @Test
    void grantRaisesTtlToTheMinimumAndDoesNotBumpTheRevision() {
        LeaseGrantResponse r = f.write(w -> w.leaseGrant(grant(7, 0)));
        assertThat(r.getID()).isEqualTo(7);
        assertThat(r.getTTL()).isEqualTo(2); // default minimum: ceil(1.5 × 1 s)
        assertThat(r.getHeader().getRevision()).isEqualTo(1);
        assertThat(f.store.currentRevision()).isEqualTo(1);

        f.store.setMinLeaseTtl(8);
        assertThat(f.write(w -> w.leaseGrant(grant(8, 5))).getTTL()).isEqualTo(8);
        assertThat(f.write(w -> w.leaseGrant(grant(9, 60))).getTTL()).isEqualTo(60);
        assertThat(f.store.leases()).containsExactly(new Lease(7, 2), new Lease(8, 8), new Lease(9, 60));
        assertThat(f.store.lease(8)).contains(new Lease(8, 8));
        assertThat(f.store.lease(10)).isEmpty();
        assertThat(heard).containsExactly("grant 7 2", "grant 8 8", "grant 9 60");
    }

    @Test
    void grantErrors() {
        f.write(w -> w.leaseGrant(grant(7, 10)));
        assertThatThrownBy(() -> f.write(w -> w.leaseGrant(grant(7, 10))))
                .hasMessage(EtcdError.LEASE_EXIST.message());
        assertThatThrownBy(() -> f.write(w -> w.leaseGrant(grant(8, 9_000_000_001L))))
                .hasMessage(EtcdError.LEASE_TTL_TOO_LARGE.message());
        assertThat(f.write(w -> w.leaseGrant(grant(8, 9_000_000_000L))).getTTL()).isEqualTo(9_000_000_000L);
        assertThatThrownBy(() -> f.write(w -> w.leaseGrant(grant(0, 10))))
                .hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(heard).containsExactly("grant 7 10", "grant 8 9000000000");
    }

    @Test
    void putNeedsAnExistingLeaseAlsoInsideTxnsAndSeesGrantsOfTheSameBatch() {
        assertThatThrownBy(() -> f.put(put("a", "1", 5))).hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThatThrownBy(() -> f.txn(Req.txn(List.of(), List.of(Req.op(put("a", "1", 5))), List.of())))
                .hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(f.store.currentRevision()).isEqualTo(1);
        f.write(w -> {
            w.leaseGrant(grant(5, 10));
            w.put(put("a", "1", 5));
            return w.txn(Req.txn(List.of(), List.of(Req.op(put("b", "1", 5))), List.of()));
        });
        assertThat(f.store.range(Req.get("a")).getKvs(0).getLease()).isEqualTo(5);
        assertThat(keys(5)).containsExactly("a", "b");
    }

    @Test
    void putAttachesDetachesAndIgnoreLeaseKeeps() {
        f.write(w -> w.leaseGrant(grant(1, 10)));
        f.write(w -> w.leaseGrant(grant(2, 10)));
        f.put(put("a", "1", 1));
        f.put(put("b", "1", 1));
        assertThat(keys(1)).containsExactly("a", "b");

        f.put(Req.put("a", "2")); // overwrite without lease detaches
        assertThat(keys(1)).containsExactly("b");
        f.put(Req.put("b", "2").toBuilder().setIgnoreLease(true).build()); // ignore_lease keeps it
        assertThat(keys(1)).containsExactly("b");
        assertThat(f.store.range(Req.get("b")).getKvs(0).getLease()).isEqualTo(1);

        f.put(put("b", "3", 2)); // moves to another lease
        assertThat(keys(1)).isEmpty();
        assertThat(keys(2)).containsExactly("b");

        f.del("b", ""); // delete detaches
        assertThat(keys(2)).isEmpty();
        f.put(put("c", "1", 2));
        f.txn(Req.txn(List.of(), List.of(Req.op(Req.del("c", ""))), List.of()));
        assertThat(keys(2)).isEmpty();
    }

    @Test
    void revokeDeletesAllAttachedKeysInOneRevisionInKeyOrder() {
        f.write(w -> w.leaseGrant(grant(3, 10)));
        f.put(put("c", "1", 3)); // rev 2
        f.put(put("a", "1", 3)); // rev 3
        f.put(put("b", "1", 3)); // rev 4
        f.put(Req.put("other", "1")); // rev 5
        List<Event> events = new ArrayList<>();
        LeaseRevokeResponse r = f.write(w -> {
            LeaseRevokeResponse resp = w.leaseRevoke(revoke(3));
            events.addAll(w.events());
            return resp;
        });
        assertThat(r.getHeader().getRevision()).isEqualTo(6);
        assertThat(f.store.currentRevision()).isEqualTo(6);
        assertThat(events).extracting(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@"
                + e.getKv().getModRevision()).containsExactly("DELETE a@6", "DELETE b@6", "DELETE c@6");
        assertThat(f.store.range(Req.range("a", "d")).getCount()).isZero();
        assertThat(f.store.range(Req.get("other")).getCount()).isEqualTo(1);
        assertThat(f.store.lease(3)).isEmpty();
        assertThat(keys(3)).isEmpty();
        assertThat(heard).containsExactly("grant 3 10", "revoke 3");

        assertThatThrownBy(() -> f.write(w -> w.leaseRevoke(revoke(3))))
                .hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(f.store.currentRevision()).isEqualTo(6);
    }

    @Test
    void revokeWithoutKeysKeepsTheRevision() {
        f.write(w -> w.leaseGrant(grant(4, 10)));
        f.put(put("a", "1", 4));
        f.put(Req.put("a", "2")); // detached again
        long rev = f.store.currentRevision();
        assertThat(f.write(w -> w.leaseRevoke(revoke(4))).getHeader().getRevision()).isEqualTo(rev);
        assertThat(f.store.currentRevision()).isEqualTo(rev);
        assertThat(f.store.leases()).isEmpty();
    }

    @Test
    void failedOrAbandonedRequestsAreNotReported() {
        try (WriteTxn w = f.store.beginWrite()) {
            w.leaseGrant(grant(1, 10)); // never committed
        }
        f.write(w -> {
            w.leaseGrant(grant(2, 10));
            assertThatThrownBy(() -> w.leaseGrant(grant(2, 10))).isInstanceOf(EtcdException.class);
            return w.leaseRevoke(revoke(2));
        });
        assertThat(heard).containsExactly("grant 2 10", "revoke 2");
        assertThat(f.store.leases()).isEmpty();
    }

    @Test
    void leasesAndAttachmentsSurviveRestartAndCheckpointRestore() throws IOException {
        f.write(w -> w.leaseGrant(grant(11, 30)));
        f.write(w -> w.leaseGrant(grant(12, 40)));
        f.put(put("x", "1", 11));
        f.put(put("y", "1", 12));
        f.reopen();
        assertThat(f.store.leases()).containsExactly(new Lease(11, 30), new Lease(12, 40));
        assertThat(keys(11)).containsExactly("x");

        Path cp = tmp.resolve("cp");
        f.store.checkpoint(cp);
        Path other = tmp.resolve("other");
        MvccStore.restoreFromCheckpoint(cp, other);
        try (MvccStore restored = MvccStore.open(other)) {
            assertThat(restored.leases()).containsExactly(new Lease(11, 30), new Lease(12, 40));
            assertThat(restored.leaseKeys(12)).containsExactly(Req.b("y"));
            try (WriteTxn w = restored.beginWrite()) {
                assertThat(w.leaseRevoke(revoke(12)).getHeader().getRevision()).isEqualTo(4);
                w.commit(restored.consistentIndex() + 1);
            }
            assertThat(restored.range(Req.get("y")).getCount()).isZero();
        }

        assertThat(f.write(w -> w.leaseRevoke(revoke(11))).getHeader().getRevision()).isEqualTo(4);
        assertThat(f.store.range(Req.get("x")).getCount()).isZero();
    }
}
