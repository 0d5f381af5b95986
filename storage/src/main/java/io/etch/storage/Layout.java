package io.etch.storage;

import java.nio.charset.StandardCharsets;
import org.rocksdb.ColumnFamilyHandle;

/**
 * Column families and key encodings of the store (see {@link MvccStore} for the layout).
 *
 * @param key revision → KeyValue
 * @param index user key → {@link IndexRecord}
 * @param keyrev per-key history {@code BE32(len) key rev16} → flag
 * @param meta named meta values
 * @param lease {@code BE64(lease id)} → marshalled {@code leasepb.Lease{ID, TTL}} (etcd's {@code lease} bucket)
 * @param leaseKeys {@code BE64(lease id) key} → empty: the keys attached to each lease
 */
record Layout(ColumnFamilyHandle key, ColumnFamilyHandle index, ColumnFamilyHandle keyrev, ColumnFamilyHandle meta,
        ColumnFamilyHandle lease, ColumnFamilyHandle leaseKeys) {
    static final String CF_KEY = "key";
    static final String CF_INDEX = "index";
    static final String CF_KEYREV = "keyrev";
    static final String CF_META = "meta";
    static final String CF_LEASE = "lease";
    static final String CF_LEASE_KEYS = "leasekeys";

    static final byte FLAG_PUT = 0;
    static final byte FLAG_TOMBSTONE = 1;
    /** Trailing byte of a tombstone's key in the {@code key} family (etcd's {@code markTombstone}). */
    static final byte TOMBSTONE_MARK = 't';

    /** Prefix of the named values other modules keep in meta ({@link WriteTxn#putMeta}). */
    static final String META_EXTERNAL_PREFIX = "x/";
    static final byte[] META_CONSISTENT_INDEX = "consistent_index".getBytes(StandardCharsets.UTF_8);
    static final byte[] META_CURRENT_REV = "current_rev".getBytes(StandardCharsets.UTF_8);
    /** etcd's compactMainRev: -1 (absent) when never compacted. */
    static final byte[] META_COMPACT_REV = "compact_rev".getBytes(StandardCharsets.UTF_8);

    ColumnFamilyHandle[] all() {
        return new ColumnFamilyHandle[] {key, index, keyrev, meta, lease, leaseKeys};
    }

    /** Family names in {@link #all()} order. */
    static String[] names() {
        return new String[] {CF_KEY, CF_INDEX, CF_KEYREV, CF_META, CF_LEASE, CF_LEASE_KEYS};
    }

    /** The {@code lease} family's key of a lease: {@code BE64(id)} (etcd's {@code int64ToBytes}). */
    static byte[] leaseKey(long id) {
        return Bytes.longBytes(id);
    }

    /** A {@code leasekeys} key: {@code BE64(id) key}. */
    static byte[] leaseKeyEntry(long id, byte[] userKey) {
        byte[] b = new byte[8 + userKey.length];
        Bytes.putLong(b, 0, id);
        System.arraycopy(userKey, 0, b, 8, userKey.length);
        return b;
    }

    /** The {@code key} family's key of a revision, with the tombstone mark when {@code tombstone}. */
    static byte[] revKey(Revision rev, boolean tombstone) {
        byte[] b = new byte[tombstone ? Revision.BYTES + 1 : Revision.BYTES];
        rev.writeTo(b, 0);
        if (tombstone) {
            b[Revision.BYTES] = TOMBSTONE_MARK;
        }
        return b;
    }

    /** {@code BE32(len(key)) key}: the common prefix of a key's history entries. */
    static byte[] historyPrefix(byte[] userKey) {
        byte[] b = new byte[4 + userKey.length];
        Bytes.putInt(b, 0, userKey.length);
        System.arraycopy(userKey, 0, b, 4, userKey.length);
        return b;
    }

    /** A {@code keyrev} key: {@code prefix main sub}. */
    static byte[] historyKey(byte[] prefix, long main, long sub) {
        byte[] b = new byte[prefix.length + Revision.BYTES];
        System.arraycopy(prefix, 0, b, 0, prefix.length);
        Bytes.putLong(b, prefix.length, main);
        Bytes.putLong(b, prefix.length + 8, sub);
        return b;
    }

    /** The user key of a {@code keyrev} key. */
    static byte[] userKeyOfHistory(byte[] historyKey) {
        int len = ((historyKey[0] & 0xff) << 24) | ((historyKey[1] & 0xff) << 16)
                | ((historyKey[2] & 0xff) << 8) | (historyKey[3] & 0xff);
        byte[] k = new byte[len];
        System.arraycopy(historyKey, 4, k, 0, len);
        return k;
    }
}
