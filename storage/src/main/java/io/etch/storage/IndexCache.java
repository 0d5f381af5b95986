package io.etch.storage;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.Map;

/**
 * The writer's cache of committed {@code index} family values: user key → encoded {@link IndexRecord}. A put
 * reads its key's index record before writing; through RocksDB that read (memtables, then SST blocks) was
 * 40 % of applying a put. etcd keeps its whole key index in memory ({@code treeIndex}); this keeps as much
 * of it as fits in a fixed number of bytes.
 *
 * <p>Layout: entries are packed into one byte array (the arena), each as an 8-byte header
 * {@code BE32 hash, BE16 keyLength, u8 recordLength, u8 flags} followed by the key and the record, and found
 * through an open-addressing table of {@code long}s ({@code hash << 32 | offset + 1}, linear probing,
 * deletion by backward shift). With 8-byte keys and 41-byte records an entry takes 57 bytes, against about
 * 160 in a map of objects, so the default 6 MiB arena holds about 110k keys. A rewrite of a cached key with a
 * record of the same length (always, for {@link IndexRecord}) overwrites it in place.
 *
 * <p>Eviction is a sweep (CLOCK-like second chance) when the arena or the table is full: entries used
 * ({@link #get} or {@link #put}) since the previous sweep are kept, oldest first, until they fill half of
 * the arena and half of the entry limit; the rest are dropped, and the survivors are compacted to the front.
 * Both arrays start small and double up to their bounds, so a small store holds little. Keys longer than
 * {@link #maxKeyBytes()} and records longer than 255 bytes are not cached.
 *
 * <p>Only committed state is cached: {@link RocksWriteTxn} adds what it read from the store for a key it
 * has not written, and the store applies a batch's index writes here after the batch is written
 * ({@link #apply}), or clears it after a batch that wrote too many records to track them one by one
 * ({@link #clear}). A batch that is rolled back or closed without commit never reaches the cache.
 *
 * <p>Not thread-safe: used by the store's single writer (one {@link WriteTxn} open at a time).
 */
final class IndexCache {
    static final int HEADER_BYTES = 8;
    private static final int FIRST_ARENA_BYTES = 64 << 10;
    private static final int FIRST_SLOTS = 1 << 12;
    private static final int FLAG_USED = 1;
    private static final int FLAG_DEAD = 2;

    private final int maxArenaBytes;
    private final int maxEntries;
    private byte[] arena = new byte[0];
    private int top; // end of the last entry in the arena
    private long[] slots = new long[0]; // 0 = empty
    private int entries;
    private int liveBytes;
    private byte[] probe = new byte[64]; // the looked-up key, copied once per lookup

    /**
     * @param maxArenaBytes most bytes of entries (headers, keys and records), at least 64
     * @param maxEntries most entries; the table holds up to twice as many slots of 8 bytes, rounded up to a
     *     power of two, so the cache's heap is at most {@code maxArenaBytes + 32 * maxEntries} (and
     *     {@code maxArenaBytes + 16 * maxEntries} for a power of two)
     * @throws IllegalArgumentException for bounds below the minimums
     */
    IndexCache(int maxArenaBytes, int maxEntries) {
        if (maxArenaBytes < 64 || maxEntries < 2) {
            throw new IllegalArgumentException("bounds too small: " + maxArenaBytes + " bytes, " + maxEntries
                    + " entries");
        }
        this.maxArenaBytes = maxArenaBytes;
        this.maxEntries = maxEntries;
    }

    /** Longest key cached: an eighth of the arena, so that a sweep always makes room for one. */
    int maxKeyBytes() {
        return Math.min(0xFFFF, maxArenaBytes / 8);
    }

    /** The cached encoded record of {@code key} (a copy), or null when not cached. */
    byte[] get(ByteString key) {
        int offset = find(key, hash(key));
        if (offset < 0) {
            return null;
        }
        arena[offset + 7] |= FLAG_USED;
        int keyLength = keyLength(offset);
        int recordLength = arena[offset + 6] & 0xFF;
        int from = offset + HEADER_BYTES + keyLength;
        return Arrays.copyOfRange(arena, from, from + recordLength);
    }

    /** Caches {@code record}, the committed encoded record of {@code key}; the cache keeps a copy. */
    void put(ByteString key, byte[] record) {
        int keyLength = key.size();
        if (keyLength > maxKeyBytes() || record.length > 0xFF) {
            remove(key); // an older, shorter record must not stay
            return;
        }
        int h = hash(key);
        int offset = find(key, h);
        if (offset >= 0 && (arena[offset + 6] & 0xFF) == record.length) {
            System.arraycopy(record, 0, arena, offset + HEADER_BYTES + keyLength, record.length);
            arena[offset + 7] |= FLAG_USED;
            return;
        }
        if (offset >= 0) {
            remove(key);
        }
        int size = HEADER_BYTES + keyLength + record.length;
        if (!makeRoom(size)) {
            return;
        }
        int at = top;
        Bytes.putInt(arena, at, h);
        arena[at + 4] = (byte) (keyLength >>> 8);
        arena[at + 5] = (byte) keyLength;
        arena[at + 6] = (byte) record.length;
        arena[at + 7] = FLAG_USED;
        key.copyTo(arena, at + HEADER_BYTES);
        System.arraycopy(record, 0, arena, at + HEADER_BYTES + keyLength, record.length);
        top += size;
        liveBytes += size;
        entries++;
        insertSlot(h, at);
    }

    /** Drops {@code key}'s entry, if cached. */
    void remove(ByteString key) {
        int slot = slotOf(key, hash(key));
        if (slot >= 0) {
            int offset = (int) slots[slot] - 1;
            arena[offset + 7] |= FLAG_DEAD;
            liveBytes -= entrySize(offset);
            entries--;
            deleteSlot(slot);
        }
    }

    /**
     * Applies a committed batch's index writes: each key's final encoded record, or null where the batch
     * removed the key's entry (compaction of a deleted key).
     */
    void apply(Map<ByteString, byte[]> writes) {
        for (Map.Entry<ByteString, byte[]> w : writes.entrySet()) {
            if (w.getValue() == null) {
                remove(w.getKey());
            } else {
                put(w.getKey(), w.getValue());
            }
        }
    }

    /** Drops every entry (after a batch that wrote too many index records to track them); keeps the arrays. */
    void clear() {
        Arrays.fill(slots, 0);
        top = 0;
        entries = 0;
        liveBytes = 0;
    }

    /** The number of cached entries. */
    int size() {
        return entries;
    }

    /** Bytes of the cached entries (headers, keys and records). */
    long bytes() {
        return liveBytes;
    }

    /** Heap held by the two arrays. */
    long footprintBytes() {
        return arena.length + 8L * slots.length;
    }

    // --- table ---

    private static int hash(ByteString key) {
        int h = key.hashCode(); // cached by the ByteString
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        return h ^ (h >>> 13);
    }

    private int keyLength(int offset) {
        return ((arena[offset + 4] & 0xFF) << 8) | (arena[offset + 5] & 0xFF);
    }

    private int entrySize(int offset) {
        return HEADER_BYTES + keyLength(offset) + (arena[offset + 6] & 0xFF);
    }

    /** The arena offset of {@code key}'s entry, or -1. */
    private int find(ByteString key, int h) {
        int slot = slotOf(key, h);
        return slot < 0 ? -1 : (int) slots[slot] - 1;
    }

    /** The table slot of {@code key}'s entry, or -1. Copies the key into {@link #probe} first. */
    private int slotOf(ByteString key, int h) {
        if (slots.length == 0) {
            return -1;
        }
        int keyLength = key.size();
        if (probe.length < keyLength) {
            probe = new byte[Math.max(keyLength, probe.length * 2)];
        }
        key.copyTo(probe, 0);
        int mask = slots.length - 1;
        for (int i = h & mask; slots[i] != 0; i = (i + 1) & mask) {
            long s = slots[i];
            if ((int) (s >>> 32) == h) {
                int offset = (int) s - 1;
                if (keyLength(offset) == keyLength && Arrays.equals(arena, offset + HEADER_BYTES,
                        offset + HEADER_BYTES + keyLength, probe, 0, keyLength)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private void insertSlot(int h, int offset) {
        int mask = slots.length - 1;
        int i = h & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        slots[i] = ((long) h << 32) | ((offset + 1) & 0xFFFFFFFFL);
    }

    /** Empties slot {@code i} and shifts back the entries of its probe run that would lose their way. */
    private void deleteSlot(int i) {
        int mask = slots.length - 1;
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
            int home = (int) (slots[j] >>> 32) & mask;
            // move j into the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = 0;
    }

    /** Rebuilds the table from the live entries of the arena, with {@code slotCount} slots. */
    private void rehash(int slotCount) {
        slots = new long[slotCount];
        for (int offset = 0; offset < top; offset += entrySize(offset)) {
            if ((arena[offset + 7] & FLAG_DEAD) == 0) {
                insertSlot(Bytes.getInt(arena, offset), offset);
            }
        }
    }

    // --- room ---

    /** Makes room for one more entry of {@code size} bytes: grows the arrays, else sweeps. */
    private boolean makeRoom(int size) {
        if (entries + 1 > Math.min(maxEntries, slots.length / 2)) {
            int maxSlots = Integer.highestOneBit(2 * maxEntries - 1) << 1; // a power of two >= 2 * maxEntries
            if (slots.length < maxSlots) {
                rehash(Math.min(maxSlots, Math.max(FIRST_SLOTS, slots.length * 2)));
            } else {
                sweep();
            }
        }
        if (top + size > arena.length) {
            if (arena.length < maxArenaBytes) {
                long want = Math.max(FIRST_ARENA_BYTES, (long) arena.length * 2);
                while (want < top + size) {
                    want *= 2;
                }
                arena = Arrays.copyOf(arena, (int) Math.min(maxArenaBytes, want));
            }
            if (top + size > arena.length) {
                sweep();
            }
        }
        return top + size <= arena.length && entries + 1 <= Math.min(maxEntries, slots.length / 2);
    }

    /**
     * Keeps the entries used since the previous sweep, oldest first, while they fill at most half the arena
     * and half the entry limit, clearing their used flags; drops the rest and compacts the arena.
     */
    private void sweep() {
        int keepBytes = arena.length / 2;
        int keepEntries = maxEntries / 2;
        int write = 0;
        int kept = 0;
        for (int offset = 0; offset < top; ) {
            int size = entrySize(offset);
            int flags = arena[offset + 7];
            if ((flags & FLAG_DEAD) == 0 && (flags & FLAG_USED) != 0 && write + size <= keepBytes
                    && kept < keepEntries) {
                System.arraycopy(arena, offset, arena, write, size);
                arena[write + 7] = 0;
                write += size;
                kept++;
            }
            offset += size;
        }
        top = write;
        entries = kept;
        liveBytes = write;
        rehash(slots.length);
    }
}
