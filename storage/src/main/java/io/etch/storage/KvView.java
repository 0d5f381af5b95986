package io.etch.storage;

import java.io.UncheckedIOException;
import java.io.IOException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * What a {@link KvReader} reads from: either a committed RocksDB snapshot (readers) or the open write
 * batch layered over the database (the writer, so later requests see earlier ones).
 */
interface KvView {
    /** The value of {@code key} in {@code cf}, or null. */
    byte[] get(ColumnFamilyHandle cf, byte[] key);

    /** A new iterator over {@code cf}; the caller closes it. */
    RocksIterator iterator(ColumnFamilyHandle cf);

    static UncheckedIOException wrap(RocksDBException e) {
        return new UncheckedIOException(new IOException("rocksdb: " + e.getMessage(), e));
    }

    /** A view of the database through {@code options} (usually holding a snapshot). */
    static KvView of(RocksDB db, ReadOptions options) {
        return new KvView() {
            @Override
            public byte[] get(ColumnFamilyHandle cf, byte[] key) {
                try {
                    return db.get(cf, options, key);
                } catch (RocksDBException e) {
                    throw wrap(e);
                }
            }

            @Override
            public RocksIterator iterator(ColumnFamilyHandle cf) {
                return db.newIterator(cf, options);
            }
        };
    }

    /** The batch's pending writes over the database's latest state; the first read indexes the batch. */
    static KvView of(RocksDB db, TxnBatch batch, ReadOptions options) {
        return new KvView() {
            @Override
            public byte[] get(ColumnFamilyHandle cf, byte[] key) {
                try {
                    return batch.indexed().getFromBatchAndDB(db, cf, options, key);
                } catch (RocksDBException e) {
                    throw wrap(e);
                }
            }

            @Override
            public RocksIterator iterator(ColumnFamilyHandle cf) {
                try {
                    return batch.indexed().newIteratorWithBase(cf, db.newIterator(cf, options), options);
                } catch (RocksDBException e) {
                    throw wrap(e);
                }
            }
        };
    }
}
