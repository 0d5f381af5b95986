package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.mvccpb.Event;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delete of many keys spills its batch into the store before the commit ({@link RocksWriteTxn}): the
 * result is the same as without spilling, no read sees the partial revision, and a request that fails, a
 * batch closed without commit or a crash leave the store as it was before the request.
 */
class MvccStoreSpillTest {
    /** Keys of 600 bytes for a delete batch of ~2 spills (each key writes ~1.9 kB), with fewer live keys
     * than {@link WriteTxn#MAX_EVENTS} so that the events are kept. */
    private static final int KEYS = 10_000;
    private static final long LEASE = 42;

    @TempDir
    Path tmp;

    /** Keys k00000.., 600 bytes each; every 10th is put twice, every 7th is on a lease, every 13th deleted. */
    private static void populate(StoreFixture f) {
        f.write(w -> w.leaseGrant(LeaseGrantRequest.newBuilder().setID(LEASE).setTTL(60).build()));
        for (int start = 0; start < KEYS; start += 1000) {
            int from = start;
            f.write(w -> {
                for (int i = from; i < from + 1000; i++) {
                    PutRequest.Builder p = PutRequest.newBuilder().setKey(key(i)).setValue(ByteString.copyFromUtf8("v" + i));
                    if (i % 7 == 0) {
                        p.setLease(LEASE);
                    }
                    w.put(p.build());
                    if (i % 10 == 0) {
                        w.put(p.setValue(ByteString.copyFromUtf8("w" + i)).build());
                    }
                }
                return null;
            });
        }
        for (int i = 0; i < KEYS; i += 13) {
            f.del(DeleteRangeRequest.newBuilder().setKey(key(i)).build());
        }
    }

    private static ByteString key(int i) {
        byte[] k = new byte[600];
        java.util.Arrays.fill(k, (byte) 'x');
        byte[] name = String.format("k%05d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, k, 0, name.length);
        return ByteString.copyFrom(k);
    }

    private static DeleteRangeRequest deleteAll() {
        return Req.del("k", "l");
    }

    private static RangeResponse all(MvccStore store, long rev) {
        return store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                .setRangeEnd(ByteString.copyFromUtf8("l")).setRevision(rev).build());
    }

    private static long spills(MvccStore store) {
        return ((RocksMvccStore) store).spillCount();
    }

    @Test
    void spilledDeleteEndsAsAnUnspilledOne() throws IOException {
        try (StoreFixture spilled = new StoreFixture(tmp.resolve("spilled"));
                StoreFixture whole = new StoreFixture(tmp.resolve("whole"))) {
            populate(spilled);
            populate(whole);
            long before = spilled.store.currentRevision();
            assertThat(whole.store.currentRevision()).isEqualTo(before);
            int live = all(spilled.store, 0).getKvsCount();

            List<Event> spilledEvents = new ArrayList<>();
            long n = spilled.write(w -> {
                long deleted = w.deleteRange(deleteAll()).getDeleted();
                spilledEvents.addAll(w.events());
                return deleted;
            });
            List<Event> wholeEvents = new ArrayList<>();
            whole.write(w -> {
                w.putMeta("unrelated", new byte[] {1}); // the batch is not empty: the delete may not spill
                w.deleteRange(deleteAll());
                wholeEvents.addAll(w.events());
                return null;
            });

            assertThat(spills(spilled.store)).isGreaterThanOrEqualTo(1);
            assertThat(spills(whole.store)).isZero();
            assertThat(n).isEqualTo(live).isGreaterThan(RocksWriteTxn.DELETE_PAGE * 2L);
            assertThat(spilledEvents).isEqualTo(wholeEvents).hasSize(live);
            assertThat(spilled.store.hashKv(0)).isEqualTo(whole.store.hashKv(0));
            assertThat(all(spilled.store, 0).getKvsCount()).isZero();
            assertThat(all(spilled.store, before)).isEqualTo(all(whole.store, before));
            assertThat(all(spilled.store, before).getKvsCount()).isEqualTo(live);
            spilled.reopen();
            assertThat(spilled.store.currentRevision()).isEqualTo(before + 1);
            assertThat(spilled.store.hashKv(0)).isEqualTo(whole.store.hashKv(0));
        }
    }

    @Test
    void aBatchOfTooManyEventsKeepsNone() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            f.write(w -> {
                for (int i = 0; i < WriteTxn.MAX_EVENTS; i++) {
                    w.put(Req.put("e" + i, "v"));
                }
                assertThat(w.events()).hasSize(WriteTxn.MAX_EVENTS);
                return null;
            });
            List<Event> events = f.write(w -> {
                w.put(Req.put("one", "v"));
                w.deleteRange(Req.del("e", "f"));
                return w.events();
            });
            assertThat(events).isNull();
            assertThat(f.store.range(Req.range("e", "f")).getCount()).isZero();
            assertThat(f.store.range(Req.get("one")).getCount()).isEqualTo(1);
        }
    }

    @Test
    void batchClosedWithoutCommitLeavesTheStoreAsItWas() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            populate(f);
            int hash = f.store.hash();
            long rev = f.store.currentRevision();
            try (WriteTxn w = f.store.beginWrite()) {
                w.deleteRange(deleteAll());
                assertThat(spills(f.store)).isPositive();
                // the spilled revision is above the current one: reads do not see it
                assertThat(all(f.store, 0).getKvsCount()).isPositive();
            }
            assertThat(f.store.hash()).isEqualTo(hash);
            assertThat(f.store.currentRevision()).isEqualTo(rev);
            long version = f.store.range(RangeRequest.newBuilder().setKey(key(1)).build()).getKvs(0).getVersion();
            assertThat(f.put(new String(key(1).toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1), "z")
                    .getHeader().getRevision()).isEqualTo(rev + 1);
            assertThat(f.store.range(RangeRequest.newBuilder().setKey(key(1)).build()).getKvs(0).getVersion())
                    .isEqualTo(version + 1);
        }
    }

    @Test
    void failedRequestAfterASpillLeavesTheStoreAsItWas() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            populate(f);
            int hash = f.store.hash();
            // The put needs the key's current value, checked before the txn runs; the delete before it
            // removes that value, so the put fails after the delete has spilled.
            PutRequest keepValue = PutRequest.newBuilder().setKey(key(1)).setIgnoreValue(true).build();
            assertThatThrownBy(() -> f.txn(Req.txn(List.of(), List.of(Req.op(deleteAll()), Req.op(keepValue)),
                    List.of())))
                    .isInstanceOf(EtcdException.class);
            assertThat(spills(f.store)).isPositive();
            assertThat(f.store.hash()).isEqualTo(hash);
        }
    }

    @Test
    void crashAfterASpillIsRolledBackWhenTheStoreOpens() throws IOException {
        Path dir = tmp.resolve("m");
        int hash;
        long rev;
        try (StoreFixture f = new StoreFixture(dir)) {
            populate(f);
            hash = f.store.hash();
            rev = f.store.currentRevision();
            WriteTxn w = f.store.beginWrite();
            w.deleteRange(deleteAll());
            assertThat(spills(f.store)).isPositive();
            assertThat(f.store.hash()).isNotEqualTo(hash); // the spilled writes are in the store
            // the member stops here: the store is closed under the open batch, which is never committed
        }
        try (StoreFixture f = new StoreFixture(dir)) {
            assertThat(f.store.hash()).isEqualTo(hash);
            assertThat(f.store.currentRevision()).isEqualTo(rev);
        }
    }
}
