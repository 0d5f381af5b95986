package io.etch.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * etcd's {@code rangeKeys} and key-index lookups over a {@link KvView}. A key is visible at revision R
 * when its newest history entry at or below R is a put: answered from the {@code index} family when the
 * key's latest change is at or below R, else by one {@code seekForPrev} in {@code keyrev}.
 * Not thread-safe (one per read or per write batch).
 */
final class KvReader {
    /** A live key and its index record. */
    record Live(byte[] key, IndexRecord record) {
    }

    /** Visible KeyValues (at most the requested limit) and the count of all visible keys. */
    record Result(List<KeyValue> kvs, long count) {
    }

    private final KvView view;
    private final Layout layout;

    KvReader(KvView view, Layout layout) {
        this.view = view;
        this.layout = layout;
    }

    KvView view() {
        return view;
    }

    Layout layout() {
        return layout;
    }

    /** The key's index record, or null when the key has no history left. */
    IndexRecord index(byte[] key) {
        byte[] v = indexBytes(key);
        return v == null ? null : IndexRecord.decode(v);
    }

    /** The encoded {@link IndexRecord} of {@code key}, or null. */
    byte[] indexBytes(byte[] key) {
        return view.get(layout.index(), key);
    }

    /** The KeyValue stored at a put revision. */
    KeyValue kvAt(Revision rev) {
        byte[] v = view.get(layout.key(), Layout.revKey(rev, false));
        if (v == null) {
            throw new IllegalStateException("missing key entry at revision " + rev);
        }
        try {
            return KeyValue.parseFrom(v);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("corrupt key entry at revision " + rev, e);
        }
    }

    byte[] meta(byte[] name) {
        return view.get(layout.meta(), name);
    }

    long metaLong(byte[] name, long absent) {
        byte[] v = view.get(layout.meta(), name);
        return v == null ? absent : Bytes.getLong(v, 0);
    }

    /** The live KeyValue of {@code key} in the latest state, or null. */
    KeyValue current(byte[] key) {
        IndexRecord rec = index(key);
        return rec == null || rec.deleted() ? null : kvAt(rec.mod());
    }

    /** Every key live in the latest state within {@code range}, in key order. */
    List<Live> liveKeys(KeyRange range) {
        return liveKeys(range, null, Integer.MAX_VALUE);
    }

    /**
     * Keys live in the latest state within {@code range}, in key order: at most {@code limit} of them,
     * all greater than {@code after} (null: from the start of the range).
     */
    List<Live> liveKeys(KeyRange range, byte[] after, int limit) {
        List<Live> out = new ArrayList<>();
        if (range.isSingleKey()) {
            IndexRecord rec = after != null ? null : index(range.rawKey());
            if (rec != null && !rec.deleted()) {
                out.add(new Live(range.rawKey(), rec));
            }
            return out;
        }
        if (range.isEmpty()) {
            return out;
        }
        try (RocksIterator it = view.iterator(layout.index())) {
            it.seek(after != null ? after : range.rawKey());
            if (after != null && it.isValid() && java.util.Arrays.equals(it.key(), after)) {
                it.next();
            }
            for (; it.isValid() && out.size() < limit; it.next()) {
                byte[] k = it.key();
                if (range.isPastEnd(k)) {
                    break;
                }
                IndexRecord rec = IndexRecord.decode(it.value());
                if (!rec.deleted()) {
                    out.add(new Live(k, rec));
                }
            }
        }
        return out;
    }

    /**
     * Keys visible at {@code atRev} within {@code range} in key order.
     *
     * @param limit at most this many KeyValues are fetched (≤ 0: all); the count covers all
     * @param countOnly fetch no KeyValue
     */
    Result rangeKeys(KeyRange range, long atRev, long limit, boolean countOnly) {
        long want = countOnly ? 0 : (limit > 0 ? limit : Long.MAX_VALUE);
        List<Revision> revs = new ArrayList<>();
        long count = 0;
        try (History history = new History()) {
            if (range.isSingleKey()) {
                IndexRecord rec = index(range.rawKey());
                Revision rev = rec == null ? null : visible(range.rawKey(), rec, atRev, history);
                if (rev != null) {
                    count = 1;
                    if (want > 0) {
                        revs.add(rev);
                    }
                }
            } else if (!range.isEmpty()) {
                try (RocksIterator it = view.iterator(layout.index())) {
                    for (it.seek(range.rawKey()); it.isValid(); it.next()) {
                        byte[] k = it.key();
                        if (range.isPastEnd(k)) {
                            break;
                        }
                        Revision rev = visible(k, IndexRecord.decode(it.value()), atRev, history);
                        if (rev != null) {
                            count++;
                            if (revs.size() < want) {
                                revs.add(rev);
                            }
                        }
                    }
                }
            }
        }
        List<KeyValue> kvs = new ArrayList<>(revs.size());
        for (Revision rev : revs) {
            kvs.add(kvAt(rev));
        }
        return new Result(kvs, count);
    }

    private static Revision visible(byte[] key, IndexRecord rec, long atRev, History history) {
        if (rec.mod().main() <= atRev) {
            return rec.deleted() ? null : rec.mod();
        }
        return history.find(key, atRev);
    }

    /** A lazily opened {@code keyrev} iterator for historical lookups. */
    private final class History implements AutoCloseable {
        private RocksIterator it;

        /** The put revision of {@code key} visible at {@code atRev}, or null (absent or tombstone). */
        Revision find(byte[] key, long atRev) {
            if (it == null) {
                it = view.iterator(layout.keyrev());
            }
            byte[] prefix = Layout.historyPrefix(key);
            it.seekForPrev(Layout.historyKey(prefix, atRev, -1L));
            if (!it.isValid()) {
                return null;
            }
            byte[] k = it.key();
            if (k.length != prefix.length + Revision.BYTES || !Bytes.startsWith(k, prefix)) {
                return null;
            }
            if (it.value()[0] == Layout.FLAG_TOMBSTONE) {
                return null;
            }
            return Revision.read(k, prefix.length);
        }

        @Override
        public void close() {
            if (it != null) {
                it.close();
            }
        }
    }
}
