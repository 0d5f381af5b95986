package io.etch.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The write batch of one {@link RocksWriteTxn}: a plain {@link WriteBatch} until something must read the
 * batch's own writes, then a {@link WriteBatchWithIndex} holding the same writes and save points.
 *
 * <p>A chunk of plain puts never reads through its batch (a put finds the key's index record in the
 * transaction's own map or the store's cache), and indexing every write cost a quarter of the apply
 * thread's time under put load (the index's skip-list inserts: docs/benchmarks.md). A request that reads
 * (a put with {@code prev_kv} or a lease, a delete, a txn, a compaction, a lease grant or revoke) calls
 * {@link #indexed()}, which replays the plain batch into an indexed one once; the rest of the transaction
 * stays indexed.
 *
 * <p>Save points nest as RocksDB's do; {@link #clear()} drops them with the writes. Not thread-safe.
 */
final class TxnBatch implements AutoCloseable {
    private final Map<Integer, ColumnFamilyHandle> families = new HashMap<>();
    private WriteBatch plain = new WriteBatch();
    private WriteBatchWithIndex indexed;
    /** While plain: the batch's write count at each open save point, outermost first. */
    private final List<Integer> savePoints = new ArrayList<>();

    /** @param families every column family the batch may write (to replay writes by family id) */
    TxnBatch(ColumnFamilyHandle... families) {
        for (ColumnFamilyHandle cf : families) {
            this.families.put(cf.getID(), cf);
        }
    }

    /** Whether the batch is indexed (reads through it see its writes); for tests. */
    boolean isIndexed() {
        return indexed != null;
    }

    void put(ColumnFamilyHandle cf, byte[] key, byte[] value) throws RocksDBException {
        if (indexed == null) {
            plain.put(cf, key, value);
        } else {
            indexed.put(cf, key, value);
        }
    }

    void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
        if (indexed == null) {
            plain.delete(cf, key);
        } else {
            indexed.delete(cf, key);
        }
    }

    void setSavePoint() {
        if (indexed == null) {
            savePoints.add(plain.count());
            plain.setSavePoint();
        } else {
            indexed.setSavePoint();
        }
    }

    /** Releases the innermost save point, keeping the writes made since. */
    void popSavePoint() throws RocksDBException {
        if (indexed == null) {
            plain.popSavePoint();
            savePoints.remove(savePoints.size() - 1);
        } else {
            indexed.popSavePoint();
        }
    }

    /** Drops the writes made since the innermost save point, and that save point. */
    void rollbackToSavePoint() throws RocksDBException {
        if (indexed == null) {
            plain.rollbackToSavePoint();
            savePoints.remove(savePoints.size() - 1);
        } else {
            indexed.rollbackToSavePoint();
        }
    }

    /** Drops every write and save point. */
    void clear() {
        if (indexed == null) {
            plain.clear();
            savePoints.clear();
        } else {
            indexed.clear();
        }
    }

    /** Bytes of the batch's serialised writes. */
    long dataSize() {
        return indexed == null ? plain.getDataSize() : indexed.getWriteBatch().getDataSize();
    }

    /** Writes the batch to {@code db} atomically. */
    void writeTo(RocksDB db, WriteOptions options) throws RocksDBException {
        if (indexed == null) {
            db.write(options, plain);
        } else {
            db.write(options, indexed);
        }
    }

    /**
     * The batch as a {@link WriteBatchWithIndex}, for reads that must see its writes; the first call
     * replays the plain batch's writes into it, re-creating the open save points at the same places.
     *
     * @throws RocksDBException when a write cannot be replayed (it names a family not given at construction)
     */
    WriteBatchWithIndex indexed() throws RocksDBException {
        if (indexed != null) {
            return indexed;
        }
        WriteBatchWithIndex to = new WriteBatchWithIndex(true);
        try (Replay replay = new Replay(to)) {
            plain.iterate(replay);
            replay.finish();
        } catch (RocksDBException | RuntimeException e) {
            to.close();
            throw e;
        }
        indexed = to;
        plain.close();
        plain = null;
        savePoints.clear();
        return indexed;
    }

    @Override
    public void close() {
        if (indexed != null) {
            indexed.close();
        } else {
            plain.close();
        }
    }

    /** A write into the indexed batch, in family {@code cf}. */
    @FunctionalInterface
    private interface WriteTo {
        void into(ColumnFamilyHandle cf) throws RocksDBException;
    }

    /**
     * Copies each write into the indexed batch, setting a save point before the write at each recorded
     * count. Exceptions are not thrown back through the native iteration; the first is kept for
     * {@link #finish()}.
     */
    private final class Replay extends WriteBatch.Handler {
        private final WriteBatchWithIndex to;
        private int written;
        private int nextSavePoint;
        private RocksDBException failure;

        Replay(WriteBatchWithIndex to) {
            this.to = to;
        }

        private void beforeWrite() {
            while (nextSavePoint < savePoints.size() && savePoints.get(nextSavePoint) == written) {
                to.setSavePoint();
                nextSavePoint++;
            }
            written++;
        }

        /** One replayed write into family {@code cfId}; the first failure is kept, not thrown. */
        private void replay(int cfId, WriteTo write) {
            beforeWrite();
            ColumnFamilyHandle cf = families.get(cfId);
            try {
                if (cf == null) {
                    throw new RocksDBException("write batch names an unknown column family " + cfId);
                }
                write.into(cf);
            } catch (RocksDBException e) {
                failure = failure == null ? e : failure;
            }
        }

        @Override
        public void put(int cfId, byte[] key, byte[] value) {
            replay(cfId, cf -> to.put(cf, key, value));
        }

        @Override
        public void put(byte[] key, byte[] value) {
            put(0, key, value);
        }

        @Override
        public void delete(int cfId, byte[] key) {
            replay(cfId, cf -> to.delete(cf, key));
        }

        @Override
        public void delete(byte[] key) {
            delete(0, key);
        }

        private void unexpected(String what) {
            if (failure == null) {
                failure = new RocksDBException("write batch holds an unexpected " + what);
            }
        }

        @Override
        public void merge(int cfId, byte[] key, byte[] value) {
            unexpected("merge");
        }

        @Override
        public void merge(byte[] key, byte[] value) {
            unexpected("merge");
        }

        @Override
        public void singleDelete(int cfId, byte[] key) {
            unexpected("single delete");
        }

        @Override
        public void singleDelete(byte[] key) {
            unexpected("single delete");
        }

        @Override
        public void deleteRange(int cfId, byte[] beginKey, byte[] endKey) {
            unexpected("range delete");
        }

        @Override
        public void deleteRange(byte[] beginKey, byte[] endKey) {
            unexpected("range delete");
        }

        @Override
        public void logData(byte[] blob) {
            unexpected("log data record");
        }

        @Override
        public void putBlobIndex(int cfId, byte[] key, byte[] value) {
            unexpected("blob index");
        }

        @Override
        public void markBeginPrepare() {
            unexpected("prepare marker");
        }

        @Override
        public void markEndPrepare(byte[] xid) {
            unexpected("prepare marker");
        }

        @Override
        public void markNoop(boolean emptyBatch) {
            // written by RocksDB itself for an empty prepared section; carries no data
        }

        @Override
        public void markRollback(byte[] xid) {
            unexpected("rollback marker");
        }

        @Override
        public void markCommit(byte[] xid) {
            unexpected("commit marker");
        }

        @Override
        public void markCommitWithTimestamp(byte[] xid, byte[] ts) {
            unexpected("commit marker");
        }

        /** Re-creates the save points that follow the last write; throws the first replay failure. */
        void finish() throws RocksDBException {
            while (nextSavePoint < savePoints.size()) {
                to.setSavePoint();
                nextSavePoint++;
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
