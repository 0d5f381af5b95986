package io.etch.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/** The plain-until-read write batch: writes and save points survive the switch to an indexed batch. */
class TxnBatchTest {
    @TempDir
    Path tmp;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private DBOptions options;
    private RocksDB db;
    private ColumnFamilyHandle other;

    @BeforeEach
    void open() throws RocksDBException {
        RocksDB.loadLibrary();
        options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        db = RocksDB.open(options, tmp.toString(), List.of(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor("other".getBytes(UTF_8))), handles);
        other = handles.get(1);
    }

    @AfterEach
    void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        options.close();
    }

    private TxnBatch batch() {
        return new TxnBatch(handles.toArray(new ColumnFamilyHandle[0]));
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    /** What a read through the (indexed) batch sees for {@code key} in {@code other}. */
    private String seen(TxnBatch batch, String key) throws RocksDBException {
        try (ReadOptions ro = new ReadOptions()) {
            byte[] v = batch.indexed().getFromBatchAndDB(db, other, ro, b(key));
            return v == null ? null : new String(v, UTF_8);
        }
    }

    @Test
    void writesStayPlainUntilARead() throws RocksDBException {
        try (TxnBatch batch = batch()) {
            batch.setSavePoint();
            batch.put(other, b("a"), b("1"));
            batch.popSavePoint();
            assertThat(batch.isIndexed()).isFalse();
            assertThat(seen(batch, "a")).isEqualTo("1");
            assertThat(batch.isIndexed()).isTrue();
        }
    }

    @Test
    void nestedSavePointsAreRecreatedWhereTheyWere() throws RocksDBException {
        try (TxnBatch batch = batch()) {
            batch.setSavePoint(); // before everything
            batch.put(other, b("a"), b("1"));
            batch.setSavePoint(); // after a
            batch.put(other, b("b"), b("2"));
            batch.delete(other, b("a"));
            batch.setSavePoint(); // after everything
            assertThat(seen(batch, "a")).isNull();
            assertThat(seen(batch, "b")).isEqualTo("2");
            batch.put(other, b("c"), b("3"));
            batch.rollbackToSavePoint();
            assertThat(seen(batch, "c")).isNull();
            assertThat(seen(batch, "b")).isEqualTo("2");
            batch.rollbackToSavePoint();
            assertThat(seen(batch, "a")).isEqualTo("1");
            assertThat(seen(batch, "b")).isNull();
            batch.rollbackToSavePoint();
            assertThat(seen(batch, "a")).isNull();
        }
    }

    @Test
    void aRollbackBeforeTheSwitchIsNotReplayed() throws RocksDBException {
        try (TxnBatch batch = batch()) {
            batch.put(other, b("a"), b("1"));
            batch.setSavePoint();
            batch.put(other, b("b"), b("2"));
            batch.rollbackToSavePoint();
            batch.setSavePoint();
            batch.put(other, b("c"), b("3"));
            batch.popSavePoint();
            assertThat(seen(batch, "a")).isEqualTo("1");
            assertThat(seen(batch, "b")).isNull();
            assertThat(seen(batch, "c")).isEqualTo("3");
        }
    }

    @Test
    void bothFormsWriteToTheDatabaseAcrossFamilies() throws RocksDBException {
        try (TxnBatch plain = batch(); TxnBatch indexed = batch(); WriteOptions wo = new WriteOptions()) {
            plain.put(handles.get(0), b("d"), b("plain"));
            plain.put(other, b("o"), b("plain"));
            assertThat(plain.dataSize()).isPositive();
            plain.writeTo(db, wo);
            indexed.put(other, b("o"), b("indexed"));
            indexed.indexed();
            indexed.delete(handles.get(0), b("d"));
            indexed.writeTo(db, wo);
        }
        assertThat(db.get(handles.get(0), b("d"))).isNull();
        assertThat(new String(db.get(other, b("o")), UTF_8)).isEqualTo("indexed");
    }

    @Test
    void clearDropsWritesAndSavePoints() throws RocksDBException {
        try (TxnBatch batch = batch()) {
            batch.setSavePoint();
            batch.put(other, b("a"), b("1"));
            batch.clear();
            batch.put(other, b("b"), b("2"));
            assertThat(seen(batch, "a")).isNull();
            assertThat(seen(batch, "b")).isEqualTo("2");
            batch.clear();
            assertThat(seen(batch, "b")).isNull();
        }
    }
}
