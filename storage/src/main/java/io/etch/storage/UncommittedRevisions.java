package io.etch.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.mvccpb.KeyValue;
import java.util.LinkedHashSet;
import java.util.Set;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Removes the writes of revisions above the committed one, which a request that deletes many keys leaves
 * in the store while it spills its write batch ({@link RocksWriteTxn}), and restores what they replaced.
 *
 * <p>Revisions above {@code current_rev} are invisible to every read (reads are by revision, and watch
 * history stops at the current revision), so partial writes of one in-flight revision never show. They
 * stay behind only when the request fails after a spill, or the member stops mid-way; then this undoes
 * them, from the {@code key} family (ordered by revision) down:
 * <ul>
 *   <li>each {@code key} entry and its {@code keyrev} history entry above the revision is deleted, and a
 *       {@code leasekeys} entry the put attached is detached;</li>
 *   <li>each touched key's {@code index} record is rebuilt from its newest history entry at or below the
 *       revision (none left: the key has no index record, as after compaction), and the lease of that
 *       state is attached again.</li>
 * </ul>
 * Work goes in batches of {@value #BATCH_RECORDS} {@code key} entries, each holding both the repair of
 * its keys and the deletion of its entries, so an interrupted rollback is finished by the next one.
 */
final class UncommittedRevisions {
    static final int BATCH_RECORDS = 4096;

    private UncommittedRevisions() {
    }

    /**
     * Rolls the store back to {@code committedRev}.
     *
     * @return the number of {@code key} entries removed (0 when there was nothing above the revision)
     * @throws java.io.UncheckedIOException when RocksDB fails; the store is then left for the next call
     */
    static long rollBack(RocksDB db, Layout layout, long committedRev, WriteOptions writeOptions) {
        long removed = 0;
        byte[] from = Layout.revKey(new Revision(committedRev + 1, 0), false);
        try (ReadOptions options = new ReadOptions()) {
            KvReader reader = new KvReader(KvView.of(db, options), layout);
            while (true) {
                Set<ByteString> touched = new LinkedHashSet<>();
                int n = 0;
                try (WriteBatch batch = new WriteBatch(); RocksIterator it = db.newIterator(layout.key(), options)) {
                    for (it.seek(from); it.isValid() && n < BATCH_RECORDS; it.next()) {
                        byte[] revKey = it.key();
                        Revision rev = Revision.read(revKey, 0);
                        boolean tombstone = revKey.length == Revision.BYTES + 1;
                        KeyValue kv = parse(it.value(), rev);
                        byte[] key = kv.getKey().toByteArray();
                        batch.delete(layout.key(), revKey);
                        batch.delete(layout.keyrev(),
                                Layout.historyKey(Layout.historyPrefix(key), rev.main(), rev.sub()));
                        if (!tombstone && kv.getLease() != 0) {
                            batch.delete(layout.leaseKeys(), Layout.leaseKeyEntry(kv.getLease(), key));
                        }
                        touched.add(kv.getKey());
                        n++;
                    }
                    if (n == 0) {
                        return removed;
                    }
                    for (ByteString k : touched) {
                        restore(reader, layout, batch, k.toByteArray(), committedRev);
                    }
                    db.write(writeOptions, batch);
                    removed += n;
                }
            }
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
    }

    /** Writes the index record (and lease attachment) of {@code key} as of {@code atRev} into the batch. */
    private static void restore(KvReader reader, Layout layout, WriteBatch batch, byte[] key, long atRev)
            throws RocksDBException {
        byte[] prefix = Layout.historyPrefix(key);
        try (RocksIterator history = reader.view().iterator(layout.keyrev())) {
            history.seekForPrev(Layout.historyKey(prefix, atRev, -1L));
            byte[] k = history.isValid() ? history.key() : null;
            if (k == null || k.length != prefix.length + Revision.BYTES || !Bytes.startsWith(k, prefix)) {
                batch.delete(layout.index(), key);
                return;
            }
            Revision rev = Revision.read(k, prefix.length);
            if (history.value()[0] == Layout.FLAG_TOMBSTONE) {
                batch.put(layout.index(), key, IndexRecord.tombstone(rev).encode());
                return;
            }
            KeyValue kv = reader.kvAt(rev);
            batch.put(layout.index(), key,
                    IndexRecord.live(rev, kv.getCreateRevision(), kv.getVersion(), kv.getLease()).encode());
            if (kv.getLease() != 0) {
                batch.put(layout.leaseKeys(), Layout.leaseKeyEntry(kv.getLease(), key), new byte[0]);
            }
        }
    }

    private static KeyValue parse(byte[] value, Revision rev) {
        try {
            return KeyValue.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt key entry at revision " + rev, e);
        }
    }
}
