package io.etch.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.LeaseGrantRequest;
import io.etch.api.etcdserverpb.LeaseGrantResponse;
import io.etch.api.etcdserverpb.LeaseRevokeRequest;
import io.etch.api.etcdserverpb.LeaseRevokeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.storage.lease.Lease;
import io.etch.storage.lease.LeaseLimits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * {@link WriteTxn} over a RocksDB write batch ({@link TxnBatch}, indexed once a request reads through
 * it): reads go through the batch to the database so later requests see earlier ones; each request runs between a batch save point and its
 * release, and is rolled back to it when it throws.
 *
 * <p>Spilling: a delete of many keys (one DeleteRange, a Txn with one, a lease revoke) would hold its
 * whole effect in the batch and then in one memtable: 100k keys of 512 bytes made a 256 MiB batch and a
 * 150 MiB memtable ({@code etcdctl check datascale}). When the request is the batch's first and the batch
 * passes {@value #SPILL_BYTES} bytes, the batch is written to the store and the request goes on in an
 * empty one. The spilled writes belong to a revision above the store's current revision, which no read
 * sees; {@link #commit} makes the revision current. A request that fails after a spill, or a batch closed
 * without commit, has the spilled revision rolled back ({@link UncommittedRevisions}); so does opening a
 * store left with one by a crash.
 */
final class RocksWriteTxn implements WriteTxn {
    private static final byte[] FLAG_PUT = {Layout.FLAG_PUT};
    private static final byte[] FLAG_TOMBSTONE = {Layout.FLAG_TOMBSTONE};
    private static final byte[] NO_BYTES = {};
    /** A spill-capable request writes its batch to the store once the batch holds this many bytes. */
    static final long SPILL_BYTES = 8L << 20;
    /** How many key deletions pass between two looks at the batch's size (a JNI call). */
    private static final int SPILL_CHECK_EVERY = 256;
    /** A ranged delete reads the live keys of its range this many at a time. */
    static final int DELETE_PAGE = 1024;
    /** Most bytes of index writes (keys and records) a batch tracks for the {@link IndexCache}. */
    static final long MAX_TRACKED_INDEX_BYTES = 2L << 20;

    /** One request: every change gets {@code (main, sub++)}. */
    final class Op {
        final long main = rev + 1;
        private long sub;

        boolean changed() {
            return sub > 0;
        }

        /** etcd's in-txn current revision: main once something changed, else the revision before. */
        long headerRev() {
            return changed() ? main : rev;
        }

        Revision next() {
            return new Revision(main, sub++);
        }
    }

    private final RocksMvccStore store;
    private final Layout layout;
    private final LongPredicate leases;
    private final TxnBatch batch;
    private final ReadOptions readOptions = new ReadOptions();
    /** Reads through the batch (which makes it indexed: {@link TxnBatch#indexed()}). */
    private final KvReader reader;
    /** Reads the store's committed state only, for what this batch has provably not written. */
    private final KvReader committed;
    private final ArrayList<Event> events = new ArrayList<>();
    /** The batch made more than {@link WriteTxn#MAX_EVENTS} events: none are kept. */
    private boolean eventsDropped;
    private final List<LeaseChange> leaseChanges = new ArrayList<>();
    private long rev;
    private long compactMainRev;
    private boolean finished;
    /** Something was written to the batch: a later request may not spill (its batch holds others' writes). */
    private boolean dirty;
    /** The current request may spill: it started on an empty batch. */
    private boolean spillAllowed;
    /** The current request (or the batch, until commit) has spilled writes into the store. */
    private boolean spilled;
    private int deletesSinceCheck;
    /**
     * This batch's writes to the {@code index} family: each key's latest encoded record, or null where its
     * entry was removed. Index lookups look here first, then in the store's {@link IndexCache}.
     */
    private final HashMap<ByteString, byte[]> indexWrites = new HashMap<>();
    /** How to undo the current request's changes to {@link #indexWrites}, oldest first. */
    private final ArrayList<IndexUndo> indexUndo = new ArrayList<>();
    /**
     * The batch wrote more than {@link #MAX_TRACKED_INDEX_BYTES} of index records (a delete of many keys):
     * it no longer tracks them, reads index records through the batch and the store, and clears the
     * store's {@link IndexCache} when it commits, so that its memory stays bounded however many keys it
     * writes.
     */
    private boolean indexUntracked;
    /** Bytes of keys and records noted in {@link #indexWrites} (rewrites of a key counted again). */
    private long trackedIndexBytes;

    /** {@code key}'s state in {@link #indexWrites} before a request changed it. */
    private record IndexUndo(ByteString key, boolean present, byte[] record) {
    }

    RocksWriteTxn(RocksMvccStore store, RocksDB db, Layout layout, LongPredicate leases, long rev,
            long compactMainRev) {
        this.store = store;
        this.layout = layout;
        this.rev = rev;
        this.compactMainRev = compactMainRev;
        this.batch = new TxnBatch(layout.all());
        this.reader = new KvReader(KvView.of(db, batch, readOptions), layout);
        this.committed = new KvReader(KvView.of(db, readOptions), layout);
        this.leases = leases != null ? leases : id -> LeaseCodec.get(reader, id) != null;
    }

    @Override
    public long currentRevision() {
        return rev;
    }

    @Override
    public List<Event> events() {
        return eventsDropped ? null : Collections.unmodifiableList(events);
    }

    private void addEvent(Event.Builder ev) {
        if (eventsDropped) {
            return;
        }
        events.add(ev.build());
        if (events.size() > MAX_EVENTS) {
            eventsDropped = true;
            events.clear();
            events.trimToSize();
        }
    }

    // ---- requests ----

    @Override
    public PutResponse put(PutRequest request) {
        return request(op -> {
            if (request.getLease() != 0 && !leases.test(request.getLease())) {
                throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
            }
            return doPut(op, request);
        });
    }

    @Override
    public DeleteRangeResponse deleteRange(DeleteRangeRequest request) {
        return request(op -> doDelete(op, request));
    }

    @Override
    public TxnResponse txn(TxnRequest request) {
        return request(op -> new TxnExecutor(this, op, reader, leases, compactMainRev).execute(request));
    }

    @Override
    public CompactionResponse compact(CompactionRequest request) {
        return request(op -> {
            long at = request.getRevision();
            if (at <= compactMainRev) {
                throw new EtcdException(EtcdError.COMPACTED);
            }
            if (at > rev) {
                throw new EtcdException(EtcdError.FUTURE_REV);
            }
            Compactor.compact(reader, this::delete, at);
            compactMainRev = at;
            return CompactionResponse.newBuilder().setHeader(header(rev)).build();
        });
    }

    /** Runs one request between a save point and its release; rolls everything back on failure. */
    private <T> T request(Function<Op, T> body) {
        store.enter();
        try {
            checkActive();
            batch.setSavePoint();
            spillAllowed = !dirty;
            boolean spilledBefore = spilled;
            long revBefore = rev;
            int eventsBefore = events.size();
            int leaseChangesBefore = leaseChanges.size();
            long compactBefore = compactMainRev;
            indexUndo.clear();
            Op op = new Op();
            try {
                T result = body.apply(op);
                batch.popSavePoint();
                if (op.changed()) {
                    rev = op.main;
                }
                return result;
            } catch (RuntimeException e) {
                batch.rollbackToSavePoint();
                if (spilled && !spilledBefore) {
                    store.rollBackAbove(revBefore);
                    spilled = false;
                }
                if (!eventsDropped) {
                    events.subList(eventsBefore, events.size()).clear();
                }
                leaseChanges.subList(leaseChangesBefore, leaseChanges.size()).clear();
                compactMainRev = compactBefore;
                undoIndexWrites();
                throw e;
            }
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        } finally {
            spillAllowed = false;
            store.exit();
        }
    }

    /**
     * Writes the batch to the store and goes on with an empty one, when the current request may spill and
     * the batch has grown past {@link #SPILL_BYTES}. Called between two key deletions.
     */
    private void maybeSpill() throws RocksDBException {
        if (!spillAllowed || ++deletesSinceCheck < SPILL_CHECK_EVERY) {
            return;
        }
        deletesSinceCheck = 0;
        if (batch.dataSize() < SPILL_BYTES) {
            return;
        }
        store.spill(batch);
        batch.clear();
        batch.setSavePoint(); // the request's save point went with clear(); request() releases this one
        spilled = true;
    }

    // ---- operations, also used by TxnExecutor ----

    RangeResponse doRange(Op op, RangeRequest r) {
        return RangeExecutor.range(reader, r, op.headerRev(), compactMainRev);
    }

    PutResponse doPut(Op op, PutRequest p) {
        byte[] key = p.getKey().toByteArray();
        IndexRecord rec = index(p.getKey(), key);
        boolean live = rec != null && !rec.deleted();
        // The previous value is read only when the request needs it; a watcher that asks for prev_kv
        // gets it read when its event is sent, as etcd does (MvccStore.prevKv).
        boolean needPrev = p.getPrevKv() || p.getIgnoreValue() || p.getIgnoreLease();
        KeyValue prev = live && needPrev ? reader.kvAt(rec.mod()) : null;
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
        ByteString value = p.getIgnoreValue() ? prev.getValue() : p.getValue();
        long lease = p.getIgnoreLease() ? prev.getLease() : p.getLease();

        Revision r = op.next();
        long create = live ? rec.createRevision() : op.main;
        long version = live ? rec.version() + 1 : 1;
        KeyValue kv = KeyValue.newBuilder().setKey(p.getKey()).setValue(value).setCreateRevision(create)
                .setModRevision(op.main).setVersion(version).setLease(lease).build();
        put(layout.key(), Layout.revKey(r, false), kv.toByteArray());
        put(layout.keyrev(), Layout.historyKey(Layout.historyPrefix(key), r.main(), r.sub()), FLAG_PUT);
        put(layout.index(), key, IndexRecord.live(r, create, version, lease).encode());
        long oldLease = live ? rec.lease() : 0;
        if (oldLease != lease) {
            detach(oldLease, key);
            if (lease != 0) {
                put(layout.leaseKeys(), Layout.leaseKeyEntry(lease, key), NO_BYTES);
            }
        }
        Event.Builder ev = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
        if (prev != null) {
            ev.setPrevKv(prev);
        }
        addEvent(ev);

        PutResponse.Builder resp = PutResponse.newBuilder().setHeader(header(op.main));
        if (p.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        return resp.build();
    }

    DeleteRangeResponse doDelete(Op op, DeleteRangeRequest d) {
        KeyRange range = KeyRange.of(d.getKey(), d.getRangeEnd());
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
        long deleted = 0;
        byte[] after = null;
        List<KvReader.Live> keys;
        do {
            // a page at a time: the keys deleted so far are tombstones now, and the next page starts after them
            keys = reader.liveKeys(range, after, DELETE_PAGE);
            for (KvReader.Live live : keys) {
                deleteKey(op, live, d.getPrevKv(), resp);
            }
            deleted += keys.size();
            after = keys.isEmpty() ? null : keys.get(keys.size() - 1).key();
        } while (keys.size() == DELETE_PAGE);
        return resp.setDeleted(deleted).setHeader(header(op.headerRev())).build();
    }

    /** Deletes one live key at the op's next sub-revision. */
    private void deleteKey(Op op, KvReader.Live live, boolean wantPrev, DeleteRangeResponse.Builder resp) {
        // The deleted value is read only when the request asks for it: a watcher that wants prev_kv gets
        // it read when its event is sent (MvccStore.prevKv), as for puts.
        KeyValue prev = wantPrev ? reader.kvAt(live.record().mod()) : null;
        if (prev != null) {
            resp.addPrevKvs(prev);
        }
        Revision r = op.next();
        KeyValue tomb = KeyValue.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(live.key()))
                .setModRevision(op.main).build();
        put(layout.key(), Layout.revKey(r, true), tomb.toByteArray());
        put(layout.keyrev(), Layout.historyKey(Layout.historyPrefix(live.key()), r.main(), r.sub()),
                FLAG_TOMBSTONE);
        put(layout.index(), live.key(), IndexRecord.tombstone(r).encode());
        detach(live.record().lease(), live.key());
        Event.Builder ev = Event.newBuilder().setType(Event.EventType.DELETE).setKv(tomb);
        if (prev != null) {
            ev.setPrevKv(prev);
        }
        addEvent(ev);
        spillIfLarge();
    }

    private void detach(long lease, byte[] key) {
        if (lease != 0) {
            delete(layout.leaseKeys(), Layout.leaseKeyEntry(lease, key));
        }
    }

    // ---- leases ----

    /** One committed lease change, reported to the store's lease listener after the commit. */
    record LeaseChange(long id, long ttlSeconds, boolean granted) {
    }

    @Override
    public LeaseGrantResponse leaseGrant(LeaseGrantRequest request) {
        return request(op -> {
            long id = request.getID();
            if (id == 0) {
                throw new EtcdException(EtcdError.LEASE_NOT_FOUND); // etcd lessor.Grant(NoLease)
            }
            if (request.getTTL() > LeaseLimits.MAX_TTL_SECONDS) {
                throw new EtcdException(EtcdError.LEASE_TTL_TOO_LARGE);
            }
            if (LeaseCodec.get(reader, id) != null) {
                throw new EtcdException(EtcdError.LEASE_EXIST);
            }
            Lease lease = new Lease(id, Math.max(request.getTTL(), store.minLeaseTtl()));
            put(layout.lease(), Layout.leaseKey(id), LeaseCodec.encode(lease));
            leaseChanges.add(new LeaseChange(id, lease.ttlSeconds(), true));
            return LeaseGrantResponse.newBuilder().setHeader(header(rev)).setID(id).setTTL(lease.ttlSeconds()).build();
        });
    }

    @Override
    public LeaseRevokeResponse leaseRevoke(LeaseRevokeRequest request) {
        return request(op -> {
            long id = request.getID();
            if (LeaseCodec.get(reader, id) == null) {
                throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
            }
            for (byte[] key : LeaseCodec.attachedKeys(reader, id)) {
                doDelete(op, DeleteRangeRequest.newBuilder().setKey(ByteString.copyFrom(key)).build());
                delete(layout.leaseKeys(), Layout.leaseKeyEntry(id, key)); // already gone unless inconsistent
            }
            delete(layout.lease(), Layout.leaseKey(id));
            leaseChanges.add(new LeaseChange(id, 0, false));
            return LeaseRevokeResponse.newBuilder().setHeader(header(op.headerRev())).build();
        });
    }

    static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }

    private void spillIfLarge() {
        try {
            maybeSpill();
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
    }

    private void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
        dirty = true;
        if (cf == layout.index()) {
            noteIndexWrite(key, value);
        }
        try {
            batch.put(cf, key, value);
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
    }

    /**
     * The index record of {@code key} as this batch sees it: its own writes, else the committed state
     * (from the store's {@link IndexCache}, else read from the store and cached); null when absent.
     *
     * @param keyBytes the same key as bytes (the caller has them already)
     */
    IndexRecord index(ByteString key, byte[] keyBytes) {
        byte[] v;
        if (indexUntracked) {
            v = reader.indexBytes(keyBytes); // may be this batch's own (spilled) write: not cached
        } else if (indexWrites.containsKey(key)) {
            v = indexWrites.get(key);
        } else {
            IndexCache cache = store.indexCache();
            v = cache.get(key);
            if (v == null) {
                // not written by this batch (a spilled batch's writes to this key would be in
                // indexWrites), so committed state is the answer, read without indexing the batch
                v = committed.indexBytes(keyBytes);
                if (v != null) {
                    cache.put(key, v);
                }
            }
        }
        return v == null ? null : IndexRecord.decode(v);
    }

    private void noteIndexWrite(byte[] key, byte[] record) {
        if (indexUntracked) {
            return;
        }
        trackedIndexBytes += key.length + (record == null ? 0 : record.length);
        if (trackedIndexBytes > MAX_TRACKED_INDEX_BYTES) {
            indexUntracked = true;
            indexWrites.clear();
            indexUndo.clear();
            return;
        }
        ByteString k = ByteString.copyFrom(key);
        boolean present = indexWrites.containsKey(k);
        byte[] before = indexWrites.put(k, record);
        indexUndo.add(new IndexUndo(k, present, before));
    }

    private void undoIndexWrites() {
        // once untracked, a failed request has nothing here to undo: its writes are rolled back in the
        // batch and the store, and lookups read through those
        for (int i = indexUndo.size() - 1; i >= 0; i--) {
            IndexUndo u = indexUndo.get(i);
            if (u.present()) {
                indexWrites.put(u.key(), u.record());
            } else {
                indexWrites.remove(u.key());
            }
        }
        indexUndo.clear();
    }

    private void delete(ColumnFamilyHandle cf, byte[] key) {
        dirty = true;
        if (cf == layout.index()) {
            noteIndexWrite(key, null);
        }
        try {
            batch.delete(cf, key);
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
    }

    @Override
    public void putMeta(String name, byte[] value) {
        checkActive();
        put(layout.meta(), (Layout.META_EXTERNAL_PREFIX + name).getBytes(java.nio.charset.StandardCharsets.UTF_8), value);
    }

    // ---- end of the batch ----

    @Override
    public void commit(long consistentIndex) {
        store.enter();
        try {
            checkActive();
            if (consistentIndex < store.consistentIndex()) {
                throw new IllegalArgumentException("consistent index going backwards: " + consistentIndex
                        + " < " + store.consistentIndex());
            }
            put(layout.meta(), Layout.META_CURRENT_REV, Bytes.longBytes(rev));
            if (compactMainRev >= 0) {
                put(layout.meta(), Layout.META_COMPACT_REV, Bytes.longBytes(compactMainRev));
            }
            put(layout.meta(), Layout.META_CONSISTENT_INDEX, Bytes.longBytes(consistentIndex));
            store.publish(batch, rev, compactMainRev, consistentIndex);
            if (indexUntracked) {
                store.indexCache().clear();
            } else {
                store.indexCache().apply(indexWrites);
            }
            spilled = false;
            finish();
            store.leasesCommitted(leaseChanges);
        } finally {
            store.exit();
        }
    }

    @Override
    public void close() {
        if (!finished) {
            try {
                if (spilled) {
                    store.rollBackAbove(store.currentRevision());
                }
            } finally {
                finish();
            }
        }
    }

    /** Called by the store when it closes under an open batch. */
    void abandon() {
        if (!finished) {
            finished = true;
            batch.close();
            readOptions.close();
        }
    }

    private void finish() {
        finished = true;
        batch.close();
        readOptions.close();
        store.release(this);
    }

    private void checkActive() {
        if (finished) {
            throw new IllegalStateException("WriteTxn already committed or closed");
        }
    }
}
