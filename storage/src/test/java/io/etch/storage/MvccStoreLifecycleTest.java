package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etch.api.etcdserverpb.RangeResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restart, checkpoints, hashes across members, close. */
class MvccStoreLifecycleTest {
    @TempDir
    Path tmp;

    /** The same requests as a list of steps, so two stores can be fed them with different batching. */
    static final List<Consumer<WriteTxn>> OPS = List.of(
            w -> w.put(Req.put("a", "1")),
            w -> w.put(Req.put("b", "1")),
            w -> w.put(Req.put("a", "2")),
            w -> w.deleteRange(Req.del("b", "")),
            w -> w.txn(Req.txn(List.of(), List.of(Req.op(Req.put("c", "1")), Req.op(Req.put("d", "1"))), List.of())),
            w -> w.compact(Req.compact(4)),
            w -> w.put(Req.put("e", "1")),
            w -> w.deleteRange(Req.del("c", "\0")));

    @Test
    void restartKeepsRevisionsDataCompactionAndConsistentIndex() throws IOException {
        Path dir = tmp.resolve("a/b/member"); // parents are created
        try (StoreFixture f = new StoreFixture(dir)) {
            f.write(w -> {
                OPS.forEach(op -> op.accept(w));
                return null;
            });
            RangeResponse all = f.store.range(Req.range("\0", "\0"));
            HashKvResult hash = f.store.hashKv(0);
            int fullHash = f.store.hash();
            assertThat(f.store.currentRevision()).isEqualTo(8);
            f.reopen();
            assertThat(f.store.currentRevision()).isEqualTo(8);
            assertThat(f.store.compactRevision()).isEqualTo(4);
            assertThat(f.store.consistentIndex()).isEqualTo(1);
            assertThat(f.store.range(Req.range("\0", "\0"))).isEqualTo(all);
            assertThat(f.store.hashKv(0)).isEqualTo(hash);
            assertThat(f.store.hash()).isEqualTo(fullHash);
            assertThat(f.put("z", "1").getHeader().getRevision()).isEqualTo(9);
            assertThatThrownBy(() -> f.store.beginWrite().commit(0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void sameRequestsGiveSameHashesWhateverTheBatching() throws IOException {
        try (StoreFixture one = new StoreFixture(tmp.resolve("one"));
                StoreFixture many = new StoreFixture(tmp.resolve("many"))) {
            one.write(w -> {
                OPS.forEach(op -> op.accept(w));
                return null;
            });
            for (Consumer<WriteTxn> op : OPS) {
                many.write(w -> {
                    op.accept(w);
                    return null;
                });
            }
            assertThat(many.store.hashKv(0)).isEqualTo(one.store.hashKv(0));
            assertThat(many.store.hashKv(6)).isEqualTo(one.store.hashKv(6));
            assertThat(many.store.hash()).isEqualTo(one.store.hash()); // consistent index is excluded
            many.put("x", "1");
            assertThat(many.store.hashKv(0).hash()).isNotEqualTo(one.store.hashKv(0).hash());
        }
    }

    @Test
    void checkpointAndRestore() throws IOException {
        Path member = tmp.resolve("member");
        Path snap = tmp.resolve("snaps/1");
        try (StoreFixture f = new StoreFixture(member)) {
            f.write(w -> {
                OPS.forEach(op -> op.accept(w));
                return null;
            });
            f.store.flush();
            f.store.checkpoint(snap);
        }
        Path other = tmp.resolve("other");
        try (StoreFixture f = new StoreFixture(other)) {
            f.put("junk", "1");
            f.put("junk", "2");
            f.put("junk", "3");
        }
        MvccStore.restoreFromCheckpoint(snap, other);
        try (MvccStore restored = MvccStore.open(other); MvccStore original = MvccStore.open(member)) {
            assertThat(restored.currentRevision()).isEqualTo(8);
            assertThat(restored.consistentIndex()).isEqualTo(1);
            assertThat(restored.compactRevision()).isEqualTo(4);
            assertThat(restored.range(Req.get("junk")).getCount()).isZero();
            assertThat(restored.hash()).isEqualTo(original.hash());
            assertThat(restored.dbSizeBytes()).isPositive();
            assertThat(restored.dbSizeInUseBytes()).isNotNegative();
        }
        assertThat(Files.exists(tmp.resolve("other.restoring"))).isFalse();
    }

    @Test
    void readsDuringAnOpenBatchSeeTheCommittedState() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            f.put("a", "1");
            try (WriteTxn w = f.store.beginWrite()) {
                w.put(Req.put("a", "2"));
                w.compact(Req.compact(3));
                assertThat(f.store.range(Req.get("a")).getKvs(0).getValue()).isEqualTo(Req.b("1"));
                assertThat(f.store.range(Req.get("a")).getHeader().getRevision()).isEqualTo(2);
                assertThat(f.store.compactRevision()).isZero();
                w.commit(10);
            }
            assertThat(f.store.range(Req.get("a")).getKvs(0).getValue()).isEqualTo(Req.b("2"));
            assertThat(f.store.compactRevision()).isEqualTo(3);
        }
    }

    @Test
    void closeAbandonsAnOpenBatchAndRejectsFurtherUse() throws IOException {
        MvccStore store = MvccStore.open(tmp.resolve("c"));
        WriteTxn w = store.beginWrite();
        w.put(Req.put("a", "1"));
        store.close();
        store.close(); // idempotent
        assertThatThrownBy(() -> w.put(Req.put("b", "1"))).isInstanceOf(IllegalStateException.class);
        w.close();
        assertThatThrownBy(() -> store.range(Req.get("a"))).isInstanceOf(IllegalStateException.class);
        try (MvccStore again = MvccStore.open(tmp.resolve("c"))) {
            assertThat(again.currentRevision()).isEqualTo(1);
        }
    }
}
