package io.etch.storage;

import com.google.protobuf.ByteString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writer's cache of committed {@code index} family values: user key → encoded {@link IndexRecord}, the
 * least recently used entry evicted past {@code maxEntries}. A put reads its key's index record before
 * writing; through RocksDB that read (memtables, then SST blocks) was 40 % of applying a put. etcd keeps
 * its whole key index in memory ({@code treeIndex}); this keeps the recently written part, bounded.
 *
 * <p>Only committed state is cached: {@link RocksWriteTxn} adds what it read from the store for a key it
 * has not written, and the store applies a batch's index writes here after the batch is written
 * ({@link #apply}). A batch that is rolled back or closed without commit never reaches the cache.
 *
 * <p>Not thread-safe: used by the store's single writer (one {@link WriteTxn} open at a time).
 */
final class IndexCache {
    private final int maxEntries;
    private final LinkedHashMap<ByteString, byte[]> entries;

    /** @param maxEntries most entries kept, at least 1 (about 150 bytes of heap each for short keys) */
    IndexCache(int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteString, byte[]> eldest) {
                return size() > IndexCache.this.maxEntries;
            }
        };
    }

    /** The cached encoded record of {@code key}, or null when not cached. */
    byte[] get(ByteString key) {
        return entries.get(key);
    }

    /** Caches {@code record}, the committed encoded record of {@code key} (the caller does not change it). */
    void put(ByteString key, byte[] record) {
        entries.put(key, record);
    }

    /**
     * Applies a committed batch's index writes: each key's final encoded record, or null where the batch
     * removed the key's entry (compaction of a deleted key).
     */
    void apply(Map<ByteString, byte[]> writes) {
        for (Map.Entry<ByteString, byte[]> w : writes.entrySet()) {
            if (w.getValue() == null) {
                entries.remove(w.getKey());
            } else {
                entries.put(w.getKey(), w.getValue());
            }
        }
    }

    /** The number of cached entries. */
    int size() {
        return entries.size();
    }
}
