package io.etch.raft;

import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.util.StorageOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * Sizes jraft for a member's memory budget. Registered once per JVM, before the first node opens its log.
 *
 * <ul>
 *   <li>Raft-log memtables: jraft's defaults (64 MiB write buffers, three per column family) let the raft
 *       log alone hold several hundred MiB of memtables under write load; entries are short-lived (the log
 *       is truncated at every raft snapshot), so small memtables cost nothing: 4 MiB, two per family.</li>
 *   <li>Write-ahead files: the raft log's {@code conf} column family is written only on configuration
 *       changes, so its memtable never fills and never flushes, and RocksDB keeps every write-ahead file
 *       since the member started (each holds some of that memtable). A start after 1M puts replayed 150
 *       of them: 3.1 of the 3.9 s from start to serving. Capping them at {@value #MAX_TOTAL_WAL_BYTES}
 *       bytes makes RocksDB flush that family and drop the old files.</li>
 *   <li>Object recycling: jraft keeps the buffers of sent AppendEntries requests for reuse, per thread and
 *       per pair of threads (a buffer is taken on the replicator's thread and given back on a response
 *       thread), up to 4 MiB each. On a leader under write load they held 20-40 MiB of heap that never
 *       shrank; with recycling off they are short-lived garbage for the young generation. Only when the
 *       property {@value #RECYCLERS_PROPERTY} is not set already, and only if jraft's recycler has not been
 *       initialised yet in this JVM (it reads the property once).</li>
 * </ul>
 */
final class RaftLogTuning {
    static final String RECYCLERS_PROPERTY = "jraft.recyclers.maxCapacityPerThread";
    /** The raft log's write-ahead files are capped at this total; see the class comment. */
    static final long MAX_TOTAL_WAL_BYTES = 16L << 20;
    private static boolean applied;

    private RaftLogTuning() {
    }

    static synchronized void apply() {
        if (applied) {
            return;
        }
        if (System.getProperty(RECYCLERS_PROPERTY) == null) {
            System.setProperty(RECYCLERS_PROPERTY, "0");
        }
        ColumnFamilyOptions cf = StorageOptionsFactory.getDefaultRocksDBColumnFamilyOptions()
                .setWriteBufferSize(4L << 20)
                .setMaxWriteBufferNumber(2);
        StorageOptionsFactory.registerRocksDBColumnFamilyOptions(RocksDBLogStorage.class, cf);
        DBOptions db = StorageOptionsFactory.getDefaultRocksDBOptions().setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES);
        StorageOptionsFactory.registerRocksDBOptions(RocksDBLogStorage.class, db);
        applied = true;
    }
}
