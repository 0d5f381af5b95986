package io.etch.raft;

import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.util.StorageOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;

/**
 * Sizes jraft's RocksDB raft-log store for a member's memory budget. jraft's defaults (64 MiB write
 * buffers, three per column family) let the raft log alone hold several hundred MiB of memtables under
 * write load; entries are short-lived (the log is truncated at every raft snapshot), so small memtables
 * cost nothing. Registered once per JVM, before the first node opens its log.
 */
final class RaftLogTuning {
    private static boolean applied;

    private RaftLogTuning() {
    }

    static synchronized void apply() {
        if (applied) {
            return;
        }
        ColumnFamilyOptions cf = StorageOptionsFactory.getDefaultRocksDBColumnFamilyOptions()
                .setWriteBufferSize(8L << 20)
                .setMaxWriteBufferNumber(2);
        StorageOptionsFactory.registerRocksDBColumnFamilyOptions(RocksDBLogStorage.class, cf);
        applied = true;
    }
}
