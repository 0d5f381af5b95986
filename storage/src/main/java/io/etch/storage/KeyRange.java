package io.etch.storage;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An etcd key range (reference §3.3) over unsigned byte order. Immutable; arrays are copied in and out.
 *
 * <p>Shapes, as etcd encodes them in {@code (key, range_end)}:
 * <pre>
 *   ("a", "")      single key "a"                 contains: "a"
 *   ("a", "c")     [a, c)                         contains: "a", "ab", "b\xff"; not "c"
 *   ("a", "\0")    from-key: every key >= "a"     contains: "a", "zzz"
 *   ("\0", "\0")   the whole keyspace
 *   ("c", "a")     range_end <= key: empty        contains nothing
 *   prefix "a\xff" → [a\xff, b)   prefix "\xff" → from-key "\xff"
 * </pre>
 */
public final class KeyRange {
    private static final byte[] FROM_KEY_END = {0};

    private final byte[] key;
    /** null: single key; empty: unbounded (from-key); else exclusive end. */
    private final byte[] end;

    private KeyRange(byte[] key, byte[] end) {
        this.key = key;
        this.end = end;
    }

    /**
     * Builds a range from an etcd request's {@code key} and {@code range_end} (etcd's
     * {@code mkGteRange}): empty end → single key, {@code "\0"} → from-key, otherwise {@code [key, end)}.
     */
    public static KeyRange of(byte[] key, byte[] rangeEnd) {
        byte[] k = key.clone();
        if (rangeEnd.length == 0) {
            return new KeyRange(k, null);
        }
        if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            return new KeyRange(k, new byte[0]);
        }
        return new KeyRange(k, rangeEnd.clone());
    }

    /** {@link #of(byte[], byte[])} for protobuf fields. */
    public static KeyRange of(ByteString key, ByteString rangeEnd) {
        return of(key.toByteArray(), rangeEnd.toByteArray());
    }

    /** The single key {@code key}. */
    public static KeyRange single(byte[] key) {
        return new KeyRange(key.clone(), null);
    }

    /** Every key {@code >= key}. */
    public static KeyRange fromKey(byte[] key) {
        return new KeyRange(key.clone(), new byte[0]);
    }

    /** Every key starting with {@code prefix} (clientv3 {@code WithPrefix}). */
    public static KeyRange prefix(byte[] prefix) {
        return of(prefix, prefixEnd(prefix));
    }

    /**
     * clientv3's {@code getPrefix}: increments the last byte below 0xff and truncates after it; when
     * every byte is 0xff (or the key is empty) returns {@code "\0"}, which means from-key.
     */
    public static byte[] prefixEnd(byte[] key) {
        for (int i = key.length - 1; i >= 0; i--) {
            if ((key[i] & 0xff) < 0xff) {
                byte[] end = Arrays.copyOf(key, i + 1);
                end[i]++;
                return end;
            }
        }
        return FROM_KEY_END.clone();
    }

    /** Unsigned lexicographic comparison, etcd's {@code bytes.Compare}. */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** The first key of the range (copy). */
    public byte[] key() {
        return key.clone();
    }

    /**
     * The exclusive end in etcd's encoding (copy): empty for a single key, {@code "\0"} for from-key.
     */
    public byte[] rangeEnd() {
        if (end == null) {
            return new byte[0];
        }
        return end.length == 0 ? FROM_KEY_END.clone() : end.clone();
    }

    /** True when the range is the single key {@link #key()}. */
    public boolean isSingleKey() {
        return end == null;
    }

    /** True for a from-key range (no upper bound). */
    public boolean isFromKey() {
        return end != null && end.length == 0;
    }

    /** True when no key can be in the range ({@code range_end <= key}, bounded). */
    public boolean isEmpty() {
        return end != null && end.length > 0 && compare(end, key) <= 0;
    }

    /** Whether {@code k} lies in the range. */
    public boolean contains(byte[] k) {
        if (end == null) {
            return Arrays.equals(key, k);
        }
        return compare(k, key) >= 0 && (end.length == 0 || compare(k, end) < 0);
    }

    /** Whether {@code k} is at or past the upper bound (always false for single-key and from-key). */
    public boolean isPastEnd(byte[] k) {
        return end != null && end.length > 0 && compare(k, end) >= 0;
    }

    // package-private zero-copy accessors for the store
    byte[] rawKey() {
        return key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(key, r.key) && Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        if (end == null) {
            return "KeyRange[" + hex.formatHex(key) + "]";
        }
        return "KeyRange[" + hex.formatHex(key) + ", " + (end.length == 0 ? "+inf" : hex.formatHex(end)) + ")";
    }
}
