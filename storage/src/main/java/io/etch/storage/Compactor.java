package io.etch.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/**
 * etcd's compaction ({@code mvcc/key_index.go} compact + {@code kvstore_compaction.go}): for each key,
 * keep the newest history entry at or below the compact revision unless it is a tombstone, and every
 * newer entry; delete the rest from {@code key} and {@code keyrev}; drop the {@code index} entry of a
 * key left with no history.
 *
 * <p>Example, compact at 5 over history put@2, put@4, del@5, put@7 → keeps put@7 only. Over put@2,
 * put@4, put@6 → keeps put@4 (still the value read at revision 5) and put@6.
 *
 * <p>Cost: one pass over the whole {@code keyrev} family; the deletions are collected, then written to
 * the batch after the pass (the batch must not change under its iterator).
 */
final class Compactor {
    private Compactor() {
    }

    static void compact(KvReader reader, BiConsumer<ColumnFamilyHandle, byte[]> delete, long atRev) {
        Layout layout = reader.layout();
        List<byte[]> history = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> index = new ArrayList<>();
        try (RocksIterator it = reader.view().iterator(layout.keyrev())) {
            byte[] prefix = null;
            byte[] kept = null; // newest entry <= atRev of the current key
            boolean keptTombstone = false;
            boolean newer = false;
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                int prefixLength = k.length - Revision.BYTES;
                if (prefix == null || prefix.length != prefixLength || !Bytes.startsWith(k, prefix)) {
                    finishKey(prefix, kept, keptTombstone, newer, history, keys, index);
                    prefix = java.util.Arrays.copyOf(k, prefixLength);
                    kept = null;
                    keptTombstone = false;
                    newer = false;
                }
                if (Bytes.getLong(k, prefixLength) <= atRev) {
                    if (kept != null) {
                        drop(kept, keptTombstone, history, keys);
                    }
                    kept = k;
                    keptTombstone = it.value()[0] == Layout.FLAG_TOMBSTONE;
                } else {
                    newer = true;
                }
            }
            finishKey(prefix, kept, keptTombstone, newer, history, keys, index);
        }
        history.forEach(k -> delete.accept(layout.keyrev(), k));
        keys.forEach(k -> delete.accept(layout.key(), k));
        index.forEach(k -> delete.accept(layout.index(), k));
    }

    private static void finishKey(byte[] prefix, byte[] kept, boolean keptTombstone, boolean newer,
            List<byte[]> history, List<byte[]> keys, List<byte[]> index) {
        if (kept == null || !keptTombstone) {
            return;
        }
        drop(kept, true, history, keys);
        if (!newer) {
            index.add(Layout.userKeyOfHistory(prefix));
        }
    }

    private static void drop(byte[] historyKey, boolean tombstone, List<byte[]> history, List<byte[]> keys) {
        history.add(historyKey);
        keys.add(Layout.revKey(Revision.read(historyKey, historyKey.length - Revision.BYTES), tombstone));
    }
}
