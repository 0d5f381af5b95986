package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.RangeRequest;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction (reference §3.8, {@code mvcc/key_index.go} compact) and HashKV's compaction checks. */
class MvccStoreCompactionTest {
    @TempDir
    Path dir;
    StoreFixture f;

    @BeforeEach
    void open() throws IOException {
        f = new StoreFixture(dir);
        // history: a@2 a@3 b@4 del a@5 c@6 b@7
        f.put("a", "1");
        f.put("a", "2");
        f.put("b", "1");
        f.del("a", "");
        f.put("c", "1");
        f.put("b", "2");
    }

    @AfterEach
    void close() {
        f.close();
    }

    long countAt(long rev) {
        return f.store.range(Req.range("\0", "\0").toBuilder().setRevision(rev).build()).getCount();
    }

    @Test
    void compactionRevisionRules() {
        assertThatThrownBy(() -> f.compact(8)).hasMessage(EtcdError.FUTURE_REV.message());
        assertThat(f.compact(4).getHeader().getRevision()).isEqualTo(7);
        assertThat(f.store.currentRevision()).isEqualTo(7); // compaction does not bump
        assertThat(f.store.compactRevision()).isEqualTo(4);
        assertThatThrownBy(() -> f.compact(4)).hasMessage(EtcdError.COMPACTED.message());
        assertThatThrownBy(() -> f.compact(3)).hasMessage(EtcdError.COMPACTED.message());
        assertThat(f.compact(7).getHeader().getRevision()).isEqualTo(7); // == current allowed
        assertThat(f.store.compactRevision()).isEqualTo(7);
    }

    @Test
    void readsAtAndAboveCompactRevisionStillWork() {
        long[] before = {countAt(4), countAt(5), countAt(6), countAt(7)};
        f.compact(4);
        assertThatThrownBy(() -> countAt(3)).hasMessage(EtcdError.COMPACTED.message());
        assertThat(new long[] {countAt(4), countAt(5), countAt(6), countAt(7)}).isEqualTo(before);
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(4).build()).getKvs(0).getValue())
                .isEqualTo(Req.b("2"));
        assertThat(f.store.range(Req.get("b").toBuilder().setRevision(4).build()).getKvs(0).getModRevision())
                .isEqualTo(4);
    }

    @Test
    void compactionDropsHistoryAndTombstones() {
        int entriesBefore = keyEntries();
        f.compact(5);
        // a: a@2 a@3 and the tombstone @5 go; b: b@4 kept (visible at 5), b@7; c@6
        assertThat(keyEntries()).isEqualTo(entriesBefore - 3);
        assertThat(((RocksMvccStore) f.store).entryCounts().get(Layout.CF_INDEX)).isEqualTo(2); // a is gone
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(5).build()).getCount()).isZero();
        assertThat(f.store.range(Req.get("b").toBuilder().setRevision(5).build()).getKvs(0).getVersion())
                .isEqualTo(1);
        f.compact(7);
        assertThat(keyEntries()).isEqualTo(2); // b@7, c@6
        assertThat(f.store.range(Req.range("\0", "\0")).getCount()).isEqualTo(2);
        // a key put again after its tombstone was compacted away starts a new generation
        f.put("a", "3");
        assertThat(f.store.range(Req.get("a")).getKvs(0).getCreateRevision()).isEqualTo(8);
        assertThat(f.store.range(Req.get("a")).getKvs(0).getVersion()).isEqualTo(1);
    }

    @Test
    void hashKvRevisionRules() {
        HashKvResult fresh = f.store.hashKv(0);
        assertThat(fresh.compactRevision()).isEqualTo(-1);
        assertThat(fresh.revision()).isEqualTo(7);
        assertThat(f.store.hashKv(7)).isEqualTo(fresh);
        assertThat(f.store.hashKv(6).hash()).isNotEqualTo(fresh.hash());
        assertThatThrownBy(() -> f.store.hashKv(8)).hasMessage(EtcdError.FUTURE_REV.message());
        f.compact(5);
        assertThatThrownBy(() -> f.store.hashKv(5)).hasMessage(EtcdError.COMPACTED.message()); // etcd: <=
        assertThat(f.store.hashKv(6).compactRevision()).isEqualTo(5);
    }

    @Test
    void compactionInsideABatchSeesEarlierWritesAndLaterWritesSeeIt() {
        f.write(w -> {
            w.put(Req.put("a", "x")); // rev 8
            w.compact(Req.compact(8));
            assertThatThrownBy(() -> w.txn(Req.txn(java.util.List.of(),
                    java.util.List.of(Req.op(RangeRequest.newBuilder().setKey(Req.b("a")).setRevision(7).build())),
                    java.util.List.of()))).hasMessage(EtcdError.COMPACTED.message());
            return w.put(Req.put("a", "y")); // rev 9
        });
        assertThat(f.store.compactRevision()).isEqualTo(8);
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(8).build()).getKvs(0).getValue())
                .isEqualTo(Req.b("x"));
        assertThat(keyEntries()).isEqualTo(4); // b@7 c@6 a@8 a@9
    }

    private int keyEntries() {
        var counts = ((RocksMvccStore) f.store).entryCounts();
        assertThat(counts.get(Layout.CF_KEYREV)).isEqualTo(counts.get(Layout.CF_KEY));
        return counts.get(Layout.CF_KEY);
    }
}
