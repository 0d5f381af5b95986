package io.etch.storage;

import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.Event;
import java.util.List;

/**
 * One batch of write requests applied to an {@link MvccStore} and made durable together: typically the
 * entries of one raft apply batch (group commit). Obtained from {@link MvccStore#beginWrite()}.
 *
 * <p>Every request gets its own main revision (etcd's {@code storeTxnWrite}): a request that changes
 * something bumps the revision by exactly one however many keys it touches; a request that changes
 * nothing (a delete that matches no key, a read-only txn, a compaction) does not. Later requests in the
 * batch see the effects of earlier ones. A request that throws {@link EtcdException} changes nothing and
 * consumes no revision; the batch stays usable. Nothing is visible to readers of the store until
 * {@link #commit(long)} returns.
 *
 * <p>Response headers carry only {@code revision} (the server fills cluster, member and term).
 *
 * <p>Not thread-safe: one thread (the raft apply thread) uses it from begin to commit/close.
 */
public interface WriteTxn extends AutoCloseable {

    /**
     * etcd's Put ({@code etcdserver/apply.go} Put, reference §3.2): writes {@code key} at the next main
     * revision; {@code create_revision} is kept from the live key or set to the new revision, version is
     * incremented (1 on create). {@code ignore_value}/{@code ignore_lease} take value/lease from the
     * existing key; {@code prev_kv} returns the previous live KeyValue.
     *
     * @return response with {@code header.revision} = the new revision
     * @throws EtcdException LEASE_NOT_FOUND when {@code lease != 0} and the lease resolver does not know
     *     it (checked first); KEY_NOT_FOUND when ignore_value/ignore_lease is set and the key is missing
     */
    PutResponse put(PutRequest request);

    /**
     * etcd's DeleteRange over the {@link KeyRange#of key range} of the request; writes a tombstone for
     * every live key in it, all at one new main revision.
     *
     * @return {@code deleted} count, {@code prev_kvs} when asked, {@code header.revision} = new revision
     *     if anything was deleted, else the current one
     */
    DeleteRangeResponse deleteRange(DeleteRangeRequest request);

    /**
     * etcd's Txn (reference §3.5): all compares (including nested txns' compares) are evaluated against
     * the state before the txn; the chosen branch's puts are checked (ignore_* need an existing key, a
     * lease must exist) and its ranges' revisions are checked before anything is applied; then the ops
     * run in order at one main revision with increasing sub-revisions. Inner responses carry
     * {@code header{revision}}, nested txn responses an empty header.
     *
     * @return {@code header.revision} = current revision + 1 if the txn changed something, else current
     * @throws EtcdException KEY_NOT_FOUND, LEASE_NOT_FOUND, FUTURE_REV, COMPACTED from the pre-checks; the
     *     store is unchanged then. The request is assumed validated by {@link KvRequestValidator#checkTxn}.
     */
    TxnResponse txn(TxnRequest request);

    /**
     * etcd's Compact: keeps, per key, the newest version at or below {@code revision} (dropped too when
     * it is a tombstone) and every newer one; removes the rest of the history. Runs synchronously inside
     * this batch (cost proportional to the whole key history, see {@link MvccStore}); {@code physical}
     * is accepted and has no further effect since the compaction is always complete on commit.
     *
     * @return {@code header.revision} = current revision (compaction does not bump it)
     * @throws EtcdException COMPACTED when {@code revision <= } the compact revision; FUTURE_REV when
     *     {@code revision >} the current revision ({@code ==} is allowed)
     */
    CompactionResponse compact(CompactionRequest request);

    /**
     * etcd's LeaseGrant apply ({@code lessor.Grant}): persists lease {@code ID} with its TTL raised to the
     * store's minimum ({@link MvccStore#setMinLeaseTtl}). Does not change the revision. The lease listener
     * hears of it after {@link #commit}.
     *
     * @param request {@code ID} non-zero (the server picks one before proposing), {@code TTL} in seconds
     * @return {@code {header{revision = current}, ID, TTL = granted TTL}}
     * @throws EtcdException LEASE_TTL_TOO_LARGE when {@code TTL >} 9 000 000 000; LEASE_EXIST when the ID is
     *     granted; LEASE_NOT_FOUND when {@code ID == 0}
     */
    io.etch.api.etcdserverpb.LeaseGrantResponse leaseGrant(io.etch.api.etcdserverpb.LeaseGrantRequest request);

    /**
     * etcd's LeaseRevoke apply ({@code lessor.Revoke}): deletes every key attached to the lease, in key
     * order, all at ONE new main revision (one DELETE event each, in one batch), then the lease. With no
     * attached key the revision does not change.
     *
     * @return {@code header.revision} = the new revision if keys were deleted, else the current one
     * @throws EtcdException LEASE_NOT_FOUND when the lease does not exist
     */
    io.etch.api.etcdserverpb.LeaseRevokeResponse leaseRevoke(io.etch.api.etcdserverpb.LeaseRevokeRequest request);

    /**
     * Atomically writes every change of this batch together with the current revision, the compact
     * revision and {@code consistentIndex} (one RocksDB write, WAL on, no fsync), then publishes it to
     * readers. The transaction is finished afterwards; {@link #close()} is then a no-op.
     *
     * @param consistentIndex the raft log index of the last entry applied in this batch; must be
     *     {@code >=} {@link MvccStore#consistentIndex()}
     * @throws IllegalStateException if already committed or closed
     * @throws IllegalArgumentException if {@code consistentIndex} goes backwards
     * @throws java.io.UncheckedIOException if RocksDB fails to write
     */
    void commit(long consistentIndex);

    /**
     * The watch events produced so far by this batch, in revision order (then sub-revision order): PUT
     * events carry the new KeyValue, DELETE events {@code kv{key, mod_revision}}. Either carries
     * {@code prev_kv} only when the request read it ({@code prev_kv}, or for a put {@code ignore_value}
     * or {@code ignore_lease}); a watcher that wants it otherwise reads it with {@link MvccStore#prevKv},
     * as etcd's watch server does. Final once {@link #commit(long)} returned.
     *
     * <p>A batch that made more than {@link #MAX_EVENTS} events keeps none and returns null: a watcher
     * then reads them from the store's history (etcd has no such limit; the events a watcher gets are
     * the same, read instead of handed over).
     *
     * @return an unmodifiable view; null when the batch made more than {@link #MAX_EVENTS} events
     */
    List<Event> events();

    /** The most events a batch keeps in memory for {@link #events()}. */
    int MAX_EVENTS = 10_000;

    /** The current revision as seen inside this batch (the store's revision plus changes so far). */
    long currentRevision();

    /** Abandons the batch if it was not committed (nothing is written) and releases the writer slot. */
    @Override
    void close();

    /**
     * Stores a named value in the meta space, written atomically with the rest of this batch; it does
     * not change the revision. For state other modules replicate through raft beside the key space.
     *
     * @param name the value's name (non-null)
     * @param value the bytes to store (non-null)
     */
    void putMeta(String name, byte[] value);
}
