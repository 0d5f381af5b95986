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
 * The writer's {@link IndexCache}: its sweeps, bounds and table, and through the store that it only ever
 * holds committed index records (a put's version and create_revision come from it).
 */
class IndexCacheTest {
    @TempDir
    Path tmp;

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static ByteString key(int i) {
        return b(String.format("k%03d", i));
    }

    /** An entry of a 4-byte key and a 1-byte record takes 13 bytes; this arena holds 78 of them. */
    private static final int SMALL_ARENA = 1024;

    @Test
    void aSweepKeepsTheEntriesUsedSinceThePreviousOneAndDropsTheRest() {
        IndexCache cache = new IndexCache(SMALL_ARENA, 1000);
        int i = 0;
        while (cache.bytes() + 13 <= SMALL_ARENA) {
            cache.put(key(i), new byte[] {(byte) i});
            i++;
        }
        int full = i; // 78
        cache.put(key(i++), new byte[] {1}); // sweep 1: all were used (put); the oldest half stays
        assertThat(cache.size()).isEqualTo(SMALL_ARENA / 2 / 13 + 1);
        assertThat(cache.get(key(full - 1))).isNull();
        assertThat(cache.get(key(1))).containsExactly(1); // used since sweep 1
        while (cache.bytes() + 13 <= SMALL_ARENA) {
            cache.put(key(i++), new byte[] {2});
        }
        cache.put(key(i), new byte[] {3}); // sweep 2
        assertThat(cache.get(key(1))).containsExactly(1);
        assertThat(cache.get(key(0))).isNull(); // kept by sweep 1, unused since
        assertThat(cache.get(key(2))).isNull();
        assertThat(cache.get(key(i))).containsExactly(3);
        assertThat(cache.bytes()).isLessThanOrEqualTo(SMALL_ARENA);
    }

    @Test
    void aRewriteWithARecordOfTheSameLengthTakesNoMoreRoom() {
        IndexCache cache = new IndexCache(SMALL_ARENA, 1000);
        cache.put(b("a"), new byte[] {1, 1});
        long bytes = cache.bytes();
        assertThat(bytes).isEqualTo(IndexCache.HEADER_BYTES + 1 + 2);
        for (int v = 0; v < 1000; v++) {
            cache.put(b("a"), new byte[] {(byte) v, 2});
        }
        assertThat(cache.bytes()).isEqualTo(bytes);
        assertThat(cache.get(b("a"))).containsExactly((byte) 999, 2);
        cache.put(b("a"), new byte[] {3}); // another length: replaced
        assertThat(cache.get(b("a"))).containsExactly(3);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void keysLongerThanAnEighthOfTheArenaAreNotCachedAndDropTheirOldEntry() {
        IndexCache cache = new IndexCache(SMALL_ARENA, 1000);
        assertThat(cache.maxKeyBytes()).isEqualTo(128);
        ByteString longKey = ByteString.copyFrom(new byte[129]);
        cache.put(longKey, new byte[] {1});
        assertThat(cache.get(longKey)).isNull();
        assertThat(cache.size()).isZero();
        cache.put(b("a"), new byte[41]);
        cache.put(b("a"), new byte[256]); // a record too long to cache drops the cached one
        assertThat(cache.get(b("a"))).isNull();
    }

    /**
     * Random puts, gets and removes against a map: the cache may miss, but whatever it returns is the last
     * value put, never a removed or older one, and it stays within its bounds (probe runs survive removals
     * and sweeps).
     */
    @Test
    void neverReturnsAStaleRecordAndStaysWithinItsBounds() {
        java.util.Random random = new java.util.Random(7);
        IndexCache cache = new IndexCache(4096, 64);
        Map<ByteString, byte[]> model = new HashMap<>();
        int hits = 0;
        for (int op = 0; op < 200_000; op++) {
            ByteString k = b("key-" + random.nextInt(300) + "-".repeat(random.nextInt(3) * 7));
            int what = random.nextInt(10);
            if (what < 5) {
                byte[] v = new byte[1 + random.nextInt(3)];
                random.nextBytes(v);
                cache.put(k, v);
                model.put(k, v);
            } else if (what < 7) {
                cache.remove(k);
                model.remove(k);
            } else {
                byte[] got = cache.get(k);
                if (got != null) {
                    hits++;
                    assertThat(got).as("key %s at op %d", k.toStringUtf8(), op).isEqualTo(model.get(k));
                }
            }
            assertThat(cache.size()).isLessThanOrEqualTo(64);
            assertThat(cache.bytes()).isLessThanOrEqualTo(4096);
        }
        assertThat(cache.footprintBytes()).isLessThanOrEqualTo(4096 + 16 * 64);
        assertThat(hits).isGreaterThan(1000);
    }

    @Test
    void appliesACommittedBatchsWritesAndRemovals() {
        IndexCache cache = new IndexCache(1 << 20, 1000);
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
        int keys = RocksMvccStore.INDEX_CACHE_MAX_ENTRIES + 1000;
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
