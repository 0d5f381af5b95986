package io.etch.storage;

import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongPredicate;

/**
 * etcd's MVCC key-value store ({@code mvcc/kvstore.go}) on one RocksDB instance.
 *
 * <p>Revisions follow reference §3.2: a fresh store is at revision 1; each write request that changes
 * something bumps the main revision by one. History is kept until {@link WriteTxn#compact compaction}.
 *
 * <p>On-disk layout (column families standing in for etcd's bbolt buckets):
 * <ul>
 *   <li>{@code key}: 16-byte revision {@code BE64(main) BE64(sub)} (plus a trailing {@code 't'} for a
 *       tombstone, like etcd) → marshalled {@code mvccpb.KeyValue}; a tombstone holds key and
 *       mod_revision only.</li>
 *   <li>{@code index}: user key → the key's latest state {mod revision, create_revision, version, lease,
 *       deleted}, so reads at the current revision never walk history.</li>
 *   <li>{@code keyrev}: {@code BE32(len(key)) key rev16} → 1 flag byte (put/tombstone): per-key history
 *       for historical reads and compaction.</li>
 *   <li>{@code meta}: consistent index, current revision, compact revision.</li>
 * </ul>
 * Opening is O(1): nothing proportional to the number of keys is loaded.
 *
 * <p>Threading: reads ({@link #range}, {@link #hashKv}, the accessors) are thread-safe and run
 * concurrently with the single writer; each read sees one committed state through a RocksDB snapshot.
 * Writes go through one {@link WriteTxn} at a time (the raft apply thread). {@link #close()} waits for
 * running reads.
 *
 * <p>Known cost: compaction walks the whole {@code keyrev} family inside the write batch, so it is
 * O(number of key versions) in time and O(garbage) in batch memory.
 */
public interface MvccStore extends AutoCloseable {

    /**
     * Opens (creating directories and the database as needed) the store in {@code dir}.
     *
     * @param dir directory of the RocksDB instance; created with its parents if missing
     * @return an open store, to be closed by the caller
     * @throws IOException if the directory cannot be created or RocksDB cannot open it
     */
    static MvccStore open(Path dir) throws IOException {
        return RocksMvccStore.open(dir);
    }

    /**
     * Replaces the contents of {@code storeDir} with the checkpoint in {@code checkpointDir} (made by
     * {@link #checkpoint(Path)}, possibly on another member). The store in {@code storeDir} must be closed;
     * the caller reopens it with {@link #open(Path)} afterwards. SST files are hard-linked when possible,
     * the other files copied. Not atomic against a crash in the middle.
     *
     * @throws IOException on any file-system error
     */
    static void restoreFromCheckpoint(Path checkpointDir, Path storeDir) throws IOException {
        Checkpoints.restore(checkpointDir, storeDir);
    }

    /**
     * etcd's Range ({@code etcdserver/apply.go} Range, reference §3.3, §3.4): single key, {@code [key,
     * range_end)}, from-key ({@code range_end "\0"}); revision ≤ 0 means current; limit/more, count
     * before limit, sort, keys_only, count_only, min/max mod/create revision filters.
     *
     * @return a response whose header holds only {@code revision} = the current revision at the read
     * @throws EtcdException FUTURE_REV when {@code revision >} current; COMPACTED when {@code revision <}
     *     the compact revision ({@code ==} is allowed)
     * @throws IllegalStateException if the store is closed
     */
    RangeResponse range(RangeRequest request);

    /**
     * Watch history (etcd {@code watchable_store.go syncWatchers} + {@code kvsToEvents}): the PUT/DELETE
     * events of revisions {@code >= fromRev}, in revision order, read from the {@code key} family of one
     * snapshot. A read stops at the first revision boundary after {@code maxEntries} entries (a revision is
     * never split) or at the current revision. DELETE events carry {@code kv{key, mod_revision}}. prev_kv is
     * the key's value at {@code mod_revision - 1} (etcd's watch server), left out for create events and when
     * {@code mod_revision - 1 <} the compact revision. Thread-safe; see {@link HistoryEvents} for an example.
     *
     * @param fromRev first revision to read (values below 1 mean 1)
     * @param maxEntries history entries to read before stopping at a revision boundary (≥ 1)
     * @param keyFilter events whose key it rejects are left out (they still count as read)
     * @param prevKvFilter prev_kv is filled only for kept events whose key it accepts
     * @throws EtcdException COMPACTED when {@code fromRev <} the compact revision
     */
    HistoryEvents readEvents(long fromRev, int maxEntries, java.util.function.Predicate<com.google.protobuf.ByteString> keyFilter,
            java.util.function.Predicate<com.google.protobuf.ByteString> prevKvFilter);

    /**
     * A watch event's prev_kv, read when it is sent (etcd {@code v3rpc/watch.go} sendLoop: a range of the
     * key at {@code mod_revision - 1}): the key's KeyValue visible at {@code modRevision - 1}. Thread-safe.
     *
     * @param key the event's key
     * @param modRevision the event's mod_revision
     * @return the previous KeyValue, or null when the key was absent or deleted then, or that revision is
     *     below the compact revision
     */
    io.etch.api.mvccpb.KeyValue prevKv(com.google.protobuf.ByteString key, long modRevision);

    /** The current (last committed) revision; 1 on a fresh store. Thread-safe. */
    long currentRevision();

    /** The revision of the last compaction, 0 when never compacted. Thread-safe. */
    long compactRevision();

    /** The raft index of the last applied entry, persisted with the data; 0 on a fresh store. */
    long consistentIndex();

    /** Estimated bytes used on disk and in memtables by all column families. Thread-safe. */
    long dbSizeBytes();

    /** Estimated bytes of live data (RocksDB's estimate-live-data-size plus memtables). Thread-safe. */
    long dbSizeInUseBytes();

    /**
     * etcd's HashKV: CRC-32C (Castagnoli) over the {@code key} family's entries (key bytes then value
     * bytes, in revision order) whose main revision is ≤ {@code revision}. Deterministic: members holding
     * the same history return the same hash (not comparable with a real etcd's hash).
     *
     * @param revision the revision to hash up to; ≤ 0 means current
     * @throws EtcdException COMPACTED when {@code 0 < revision <=} the compact revision (etcd's
     *     {@code HashByRev}); FUTURE_REV when {@code revision >} current
     */
    HashKvResult hashKv(long revision);

    /**
     * etcd's Hash: CRC-32C over every column family's entries (family name, then key and value bytes),
     * excluding the consistent index (etcd's {@code DefaultIgnores}). Deterministic.
     */
    int hash();

    /**
     * Starts the single write batch. Not thread-safe against another concurrent {@code beginWrite}.
     *
     * @throws IllegalStateException if another {@link WriteTxn} is still open, or the store is closed
     */
    WriteTxn beginWrite();

    /**
     * A named value another module stored with {@link WriteTxn#putMeta} (e.g. the member attributes
     * the raft layer replicates), read at the latest committed state. Thread-safe.
     *
     * @param name the value's name (non-null)
     * @return the value, or null when none was stored
     */
    byte[] getMeta(String name);

    /**
     * Compacts RocksDB's files so that space freed by MVCC compaction is returned (the role of etcd's
     * bbolt defragmentation, {@code Maintenance.Defragment}). Safe to call while serving; blocks until done.
     */
    void defragment();

    /**
     * Sets how the store tells whether a lease exists (a Put with {@code lease != 0} on an unknown lease
     * fails with LEASE_NOT_FOUND). The default is the store's own lease table as seen by the open batch
     * (so a grant earlier in the same batch counts). Called from the apply thread only.
     *
     * @param leaseExists returns true iff the lease id is granted and not revoked
     */
    void setLeaseResolver(LongPredicate leaseExists);

    /**
     * Sets the minimum TTL {@link WriteTxn#leaseGrant} raises smaller TTLs to (etcd's {@code minLeaseTTL},
     * {@link io.etch.storage.lease.LeaseLimits#minTtlSeconds}); default
     * {@value io.etch.storage.lease.LeaseLimits#DEFAULT_MIN_TTL_SECONDS}. Not persisted: set it after every open.
     *
     * @param seconds positive
     */
    void setMinLeaseTtl(long seconds);

    /**
     * Sets who is told about committed lease grants and revokes (the lessor). One listener; the default
     * does nothing. Not persisted: set it after every open.
     */
    void setLeaseListener(io.etch.storage.lease.LeaseListener listener);

    /** Every granted lease, in ID order (as a signed int64 in big-endian bytes). Thread-safe. */
    java.util.List<io.etch.storage.lease.Lease> leases();

    /** The lease {@code id}, or empty when it was never granted or was revoked. Thread-safe. */
    java.util.Optional<io.etch.storage.lease.Lease> lease(long id);

    /**
     * The keys attached to lease {@code id} (live keys whose latest put carried the lease), in unsigned
     * byte order; empty for an unknown lease. Thread-safe.
     */
    java.util.List<com.google.protobuf.ByteString> leaseKeys(long id);

    /**
     * Flushes memtables of every column family to SST files and syncs the WAL, so that the state up to
     * the last commit survives a crash. Called before a raft snapshot.
     *
     * @throws java.io.UncheckedIOException on a RocksDB error
     */
    void flush();

    /**
     * Writes a RocksDB checkpoint (hard links where possible) of the committed state to {@code target},
     * which must not exist (its parents are created).
     *
     * @throws IOException on a RocksDB or file-system error
     */
    void checkpoint(Path target) throws IOException;

    /** Closes the database, waiting for running reads; an open WriteTxn is abandoned. Idempotent. */
    @Override
    void close();
}
