package io.etch.storage;

import com.google.protobuf.ByteString;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writer's cache of committed {@code index} family values: user key → encoded {@link IndexRecord}, the
 * least recently used entries evicted past {@code maxBytes} (keys, records and an estimate of the
 * per-entry overhead). A put reads its key's index record before writing; through RocksDB that read
 * (memtables, then SST blocks) was 40 % of applying a put. etcd keeps its whole key index in memory
 * ({@code treeIndex}); this keeps the recently written part, bounded in bytes so that long keys do not
 * make it large (with 8-byte keys, 8 MiB holds about 50k entries; with 1 KiB keys, about 7k).
 *
 * <p>Only committed state is cached: {@link RocksWriteTxn} adds what it read from the store for a key it
 * has not written, and the store applies a batch's index writes here after the batch is written
 * ({@link #apply}), or clears it after a batch that wrote too many records to track them one by one
 * ({@link #clear}). A batch that is rolled back or closed without commit never reaches the cache.
 *
 * <p>Not thread-safe: used by the store's single writer (one {@link WriteTxn} open at a time).
 */
final class IndexCache {
    /** Heap per entry besides the key's and the record's bytes: map entry, ByteString, two array headers. */
    static final int ENTRY_OVERHEAD_BYTES = 112;

    private final long maxBytes;
    private final LinkedHashMap<ByteString, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** @param maxBytes most bytes kept (keys, records and {@link #ENTRY_OVERHEAD_BYTES} each), at least 1 */
    IndexCache(long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1: " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    private static long sizeOf(ByteString key, byte[] record) {
        return key.size() + record.length + ENTRY_OVERHEAD_BYTES;
    }

    /** The cached encoded record of {@code key}, or null when not cached. */
    byte[] get(ByteString key) {
        return entries.get(key);
    }

    /** Caches {@code record}, the committed encoded record of {@code key} (the caller does not change it). */
    void put(ByteString key, byte[] record) {
        byte[] before = entries.put(key, record);
        if (before != null) {
            bytes -= sizeOf(key, before);
        }
        bytes += sizeOf(key, record);
        Iterator<Map.Entry<ByteString, byte[]>> eldest = entries.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            Map.Entry<ByteString, byte[]> e = eldest.next();
            bytes -= sizeOf(e.getKey(), e.getValue());
            eldest.remove();
        }
    }

    private void remove(ByteString key) {
        byte[] before = entries.remove(key);
        if (before != null) {
            bytes -= sizeOf(key, before);
        }
    }

    /**
     * Applies a committed batch's index writes: each key's final encoded record, or null where the batch
     * removed the key's entry (compaction of a deleted key).
     */
    void apply(Map<ByteString, byte[]> writes) {
        for (Map.Entry<ByteString, byte[]> w : writes.entrySet()) {
            if (w.getValue() == null) {
                remove(w.getKey());
            } else {
                put(w.getKey(), w.getValue());
            }
        }
    }

    /** Drops every entry (after a batch that wrote too many index records to track them). */
    void clear() {
        entries.clear();
        bytes = 0;
    }

    /** The number of cached entries. */
    int size() {
        return entries.size();
    }

    /** The bytes counted against the bound. */
    long bytes() {
        return bytes;
    }
}
