package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's {@link IndexCache}: least recently used eviction, and through the store that it only ever
 * holds committed index records (a put's version and create_revision come from it).
 */
class IndexCacheTest {
    @TempDir
    Path tmp;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** Room for two entries of a 1-byte key and a 1-byte record. */
    private static final long TWO_ENTRIES = 2 * (2 + IndexCache.ENTRY_OVERHEAD_BYTES);

    @Test
    void evictsTheLeastRecentlyUsedEntry() {
        IndexCache cache = new IndexCache(TWO_ENTRIES);
        cache.put(b("a"), new byte[] {1});
        cache.put(b("b"), new byte[] {2});
        assertThat(cache.get(b("a"))).containsExactly(1); // a is now more recent than b
        cache.put(b("c"), new byte[] {3});
        assertThat(cache.get(b("b"))).isNull();
        assertThat(cache.get(b("a"))).containsExactly(1);
        assertThat(cache.get(b("c"))).containsExactly(3);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.bytes()).isEqualTo(TWO_ENTRIES);
    }

    @Test
    void theBoundIsInBytesSoLongKeysTakeMoreRoom() {
        IndexCache cache = new IndexCache(TWO_ENTRIES + 10);
        cache.put(b("a"), new byte[] {1});
        cache.put(b("b"), new byte[] {2});
        cache.put(b("a-much-longer-key"), new byte[] {3}); // 16 bytes more than a short entry
        assertThat(cache.get(b("a"))).isNull();
        assertThat(cache.get(b("b"))).isNull();
        assertThat(cache.get(b("a-much-longer-key"))).containsExactly(3);
        cache.put(b("a-much-longer-key"), new byte[] {4}); // a rewrite replaces, not adds
        assertThat(cache.bytes()).isEqualTo(17 + 1 + IndexCache.ENTRY_OVERHEAD_BYTES);
    }

    @Test
    void appliesACommittedBatchsWritesAndRemovals() {
        IndexCache cache = new IndexCache(1 << 20);
        cache.put(b("a"), new byte[] {1});
        cache.put(b("gone"), new byte[] {2});
        Map<ByteString, byte[]> writes = new HashMap<>();
        writes.put(b("a"), new byte[] {9});
        writes.put(b("new"), new byte[] {7});
        writes.put(b("gone"), null);
        cache.apply(writes);
        assertThat(cache.get(b("a"))).containsExactly(9);
        assertThat(cache.get(b("new"))).containsExactly(7);
        assertThat(cache.get(b("gone"))).isNull();
    }

    private static KeyValue get(MvccStore store, String key) {
        return store.range(Req.get(key)).getKvs(0);
    }

    @Test
    void aBatchClosedWithoutCommitLeavesNoTrace() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            long created = f.put("a", "1").getHeader().getRevision();
            try (WriteTxn w = f.store.beginWrite()) {
                w.put(Req.put("a", "2"));
                w.put(Req.put("a", "3"));
            } // closed without commit
            f.put("a", "4");
            KeyValue kv = get(f.store, "a");
            assertThat(kv.getVersion()).isEqualTo(2);
            assertThat(kv.getCreateRevision()).isEqualTo(created);
        }
    }

    @Test
    void aFailedRequestsIndexWritesAreUndoneWithinTheBatch() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            long created = f.put("a", "1").getHeader().getRevision();
            f.put("c", "1");
            f.write(w -> {
                // the delete writes tombstones for a and c, then the put fails (c no longer has a value)
                PutRequest keepValue = PutRequest.newBuilder().setKey(b("c")).setIgnoreValue(true).build();
                assertThatThrownBy(() -> w.txn(Req.txn(List.of(),
                        List.of(Req.op(Req.del("a", "d")), Req.op(keepValue)), List.of())))
                        .isInstanceOf(EtcdException.class);
                return w.put(Req.put("a", "2")); // same batch: a is still live at version 1
            });
            KeyValue kv = get(f.store, "a");
            assertThat(kv.getVersion()).isEqualTo(2);
            assertThat(kv.getCreateRevision()).isEqualTo(created);
            f.put("a", "3");
            assertThat(get(f.store, "a").getVersion()).isEqualTo(3);
        }
    }

    @Test
    void writesOfEarlierRequestsInTheBatchAreSeenAndSurviveTheCommit() throws IOException {
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            f.put("a", "1");
            f.write(w -> {
                w.put(Req.put("a", "2"));
                w.deleteRange(Req.del("a", ""));
                return w.put(Req.put("a", "3")); // recreated after the delete: version 1 again
            });
            long recreated = f.store.currentRevision();
            assertThat(get(f.store, "a").getVersion()).isEqualTo(1);
            f.put("a", "4");
            KeyValue kv = get(f.store, "a");
            assertThat(kv.getVersion()).isEqualTo(2);
            assertThat(kv.getCreateRevision()).isEqualTo(recreated);
        }
    }

    @Test
    void versionsStayRightWhenTheCacheEvicts() throws IOException {
        int keys = (int) (RocksMvccStore.INDEX_CACHE_BYTES / IndexCache.ENTRY_OVERHEAD_BYTES) + 1000;
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            for (int round = 1; round <= 2; round++) {
                for (int start = 0; start < keys; start += 10_000) {
                    int from = start;
                    f.write(w -> {
                        for (int i = from; i < Math.min(keys, from + 10_000); i++) {
                            w.put(Req.put("k" + i, "v"));
                        }
                        return null;
                    });
                }
            }
            assertThat(get(f.store, "k0").getVersion()).isEqualTo(2); // evicted before round 2 reached it
            assertThat(get(f.store, "k" + (keys - 1)).getVersion()).isEqualTo(2);
        }
    }

    /**
     * A batch of more index writes than it tracks (a delete of many keys) reads through the batch and the
     * store, and its commit leaves no stale record in the cache: here {@code a} was cached at version 1
     * before the batch put it again.
     */
    @Test
    void aBatchTooLargeToTrackClearsTheCacheWhenItCommits() throws IOException {
        int keys = (int) (RocksWriteTxn.MAX_TRACKED_INDEX_BYTES / 41) + 100; // 41-byte records, and the keys
        try (StoreFixture f = new StoreFixture(tmp.resolve("m"))) {
            f.put("a", "1");
            f.put("b", "1");
            f.write(w -> {
                for (int i = 0; i < keys; i++) {
                    w.put(Req.put("k" + i, "v"));
                }
                w.put(Req.put("a", "2"));
                w.put(Req.put("b", "2"));
                return w.put(Req.put("b", "3")); // read through the batch: version 3
            });
            assertThat(((RocksMvccStore) f.store).indexCache().size()).isZero();
            assertThat(get(f.store, "b").getVersion()).isEqualTo(3);
            f.put("a", "3");
            assertThat(get(f.store, "a").getVersion()).isEqualTo(3);
            f.put("k0", "w");
            assertThat(get(f.store, "k0").getVersion()).isEqualTo(2);
        }
    }
}
