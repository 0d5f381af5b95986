package io.etch.storage;

import com.google.protobuf.ByteString;
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
import java.util.List;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * {@link WriteTxn} over a RocksDB {@link WriteBatchWithIndex}: reads go through the batch to the
 * database so later requests see earlier ones; each request runs between a batch save point and its
 * release, and is rolled back to it when it throws.
 */
final class RocksWriteTxn implements WriteTxn {
    private static final byte[] FLAG_PUT = {Layout.FLAG_PUT};
    private static final byte[] FLAG_TOMBSTONE = {Layout.FLAG_TOMBSTONE};
    private static final byte[] NO_BYTES = {};

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
    private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
    private final ReadOptions readOptions = new ReadOptions();
    private final KvReader reader;
    private final List<Event> events = new ArrayList<>();
    private final List<LeaseChange> leaseChanges = new ArrayList<>();
    private long rev;
    private long compactMainRev;
    private boolean finished;

    RocksWriteTxn(RocksMvccStore store, RocksDB db, Layout layout, LongPredicate leases, long rev,
            long compactMainRev) {
        this.store = store;
        this.layout = layout;
        this.rev = rev;
        this.compactMainRev = compactMainRev;
        this.reader = new KvReader(KvView.of(db, batch, readOptions), layout);
        this.leases = leases != null ? leases : id -> LeaseCodec.get(reader, id) != null;
    }

    @Override
    public long currentRevision() {
        return rev;
    }

    @Override
    public List<Event> events() {
        return Collections.unmodifiableList(events);
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
            int eventsBefore = events.size();
            int leaseChangesBefore = leaseChanges.size();
            long compactBefore = compactMainRev;
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
                events.subList(eventsBefore, events.size()).clear();
                leaseChanges.subList(leaseChangesBefore, leaseChanges.size()).clear();
                compactMainRev = compactBefore;
                throw e;
            }
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        } finally {
            store.exit();
        }
    }

    // ---- operations, also used by TxnExecutor ----

    RangeResponse doRange(Op op, RangeRequest r) {
        return RangeExecutor.range(reader, r, op.headerRev(), compactMainRev);
    }

    PutResponse doPut(Op op, PutRequest p) {
        byte[] key = p.getKey().toByteArray();
        IndexRecord rec = reader.index(key);
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
        events.add(ev.build());

        PutResponse.Builder resp = PutResponse.newBuilder().setHeader(header(op.main));
        if (p.getPrevKv() && prev != null) {
            resp.setPrevKv(prev);
        }
        return resp.build();
    }

    DeleteRangeResponse doDelete(Op op, DeleteRangeRequest d) {
        List<KvReader.Live> keys = reader.liveKeys(KeyRange.of(d.getKey(), d.getRangeEnd()));
        DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder().setDeleted(keys.size());
        for (KvReader.Live live : keys) {
            // The deleted values are read only when the request asks for them: a watcher that wants
            // prev_kv gets it read when its event is sent (MvccStore.prevKv), as for puts. Deleting 100k
            // keys of 1 KiB (etcdctl check datascale) used to build 100 MB of events on the apply thread.
            KeyValue prev = d.getPrevKv() ? reader.kvAt(live.record().mod()) : null;
            if (prev != null) {
                resp.addPrevKvs(prev);
            }
            Revision r = op.next();
            KeyValue tomb = KeyValue.newBuilder().setKey(ByteString.copyFrom(live.key())).setModRevision(op.main).build();
            put(layout.key(), Layout.revKey(r, true), tomb.toByteArray());
            put(layout.keyrev(), Layout.historyKey(Layout.historyPrefix(live.key()), r.main(), r.sub()),
                    FLAG_TOMBSTONE);
            put(layout.index(), live.key(), IndexRecord.tombstone(r).encode());
            detach(live.record().lease(), live.key());
            Event.Builder ev = Event.newBuilder().setType(Event.EventType.DELETE).setKv(tomb);
            if (prev != null) {
                ev.setPrevKv(prev);
            }
            events.add(ev.build());
        }
        return resp.setHeader(header(op.headerRev())).build();
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

    private void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
        try {
            batch.put(cf, key, value);
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
    }

    private void delete(ColumnFamilyHandle cf, byte[] key) {
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
            finish();
            store.leasesCommitted(leaseChanges);
        } finally {
            store.exit();
        }
    }

    @Override
    public void close() {
        if (!finished) {
            finish();
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
