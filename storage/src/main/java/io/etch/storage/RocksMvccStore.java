package io.etch.storage;

import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.storage.lease.Lease;
import io.etch.storage.lease.LeaseLimits;
import io.etch.storage.lease.LeaseListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link MvccStore} on RocksDB. See the interface for the layout and the threading contract. */
final class RocksMvccStore implements MvccStore {
    static {
        RocksDB.loadLibrary();
    }

    private static final Logger LOG = LoggerFactory.getLogger(RocksMvccStore.class);
    private static final long BLOCK_CACHE_BYTES = 32L << 20;
    /** Most bytes of entries in the writer's {@link IndexCache}: about 110k 8-byte keys. */
    static final int INDEX_CACHE_ARENA_BYTES = 6 << 20;
    /** Most entries in the writer's {@link IndexCache}; its table takes 16 bytes per entry (2 MiB). */
    static final int INDEX_CACHE_MAX_ENTRIES = 128 << 10;
    private static final LeaseListener NO_LEASE_LISTENER = new LeaseListener() {
        @Override
        public void granted(Lease lease) {
        }

        @Override
        public void revoked(long id) {
        }
    };

    private final RocksDB db;
    private final Layout layout;
    /** Native resources to close after the database, in this order. */
    private final List<AutoCloseable> resources;
    private final WriteOptions writeOptions;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final AtomicReference<RocksWriteTxn> writer = new AtomicReference<>();
    private final IndexCache indexCache = new IndexCache(INDEX_CACHE_ARENA_BYTES, INDEX_CACHE_MAX_ENTRIES);
    private final AtomicLong spills = new AtomicLong();
    private boolean closed; // guarded by lifecycle
    private volatile long currentRev;
    private volatile long compactMainRev;
    private volatile long consistentIndex;
    /** Null: the store's own {@code lease} family decides (through the open batch). */
    private volatile LongPredicate leaseResolver;
    private volatile long minLeaseTtlSeconds = LeaseLimits.DEFAULT_MIN_TTL_SECONDS;
    private volatile LeaseListener leaseListener = NO_LEASE_LISTENER;

    private RocksMvccStore(RocksDB db, Layout layout, List<AutoCloseable> resources) {
        this.db = db;
        this.layout = layout;
        this.resources = resources;
        this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
        try (ReadOptions options = new ReadOptions()) {
            KvReader reader = new KvReader(KvView.of(db, options), layout);
            this.currentRev = reader.metaLong(Layout.META_CURRENT_REV, 1);
            this.compactMainRev = reader.metaLong(Layout.META_COMPACT_REV, -1);
            this.consistentIndex = reader.metaLong(Layout.META_CONSISTENT_INDEX, 0);
        }
        rollBackAbove(currentRev); // a batch spilled by a request that never committed (a crash mid-way)
    }

    static RocksMvccStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<AutoCloseable> resources = new ArrayList<>();
        LRUCache cache = new LRUCache(BLOCK_CACHE_BYTES);
        BloomFilter bloom = new BloomFilter(10);
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(cache)
                .setFilterPolicy(bloom)
                .setBlockSize(16 * 1024)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        ColumnFamilyOptions cfOptions = new ColumnFamilyOptions()
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setTableFormatConfig(table)
                .setLevelCompactionDynamicLevelBytes(true)
                .setWriteBufferSize(8L << 20);
        // Memtables of every column family are charged to the block cache, so the store's memory stays
        // within BLOCK_CACHE_BYTES however many families are written.
        WriteBufferManager memtables = new WriteBufferManager(BLOCK_CACHE_BYTES / 2, cache);
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setWriteBufferManager(memtables)
                .setMaxBackgroundJobs(2)
                .setMaxTotalWalSize(128L << 20)
                .setKeepLogFileNum(3)
                .setMaxLogFileSize(8L << 20);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : List.of("default", Layout.CF_KEY, Layout.CF_INDEX, Layout.CF_KEYREV, Layout.CF_META,
                Layout.CF_LEASE, Layout.CF_LEASE_KEYS)) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8), cfOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db;
        try {
            db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        } catch (RocksDBException e) {
            dbOptions.close();
            cfOptions.close();
            bloom.close();
            memtables.close();
            cache.close();
            throw new IOException("cannot open store in " + dir + ": " + e.getMessage(), e);
        }
        resources.addAll(handles);
        resources.add(db);
        resources.add(dbOptions);
        resources.add(cfOptions);
        resources.add(bloom);
        resources.add(memtables);
        resources.add(cache);
        Layout layout = new Layout(handles.get(1), handles.get(2), handles.get(3), handles.get(4),
                handles.get(5), handles.get(6));
        return new RocksMvccStore(db, layout, resources);
    }

    // ---- reads ----

    /** Runs {@code body} on a reader over one consistent snapshot, holding off {@link #close()}. */
    private <T> T read(Function<KvReader, T> body) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Snapshot snapshot = db.getSnapshot();
            try (ReadOptions options = new ReadOptions().setSnapshot(snapshot)) {
                return body.apply(new KvReader(KvView.of(db, options), layout));
            } finally {
                db.releaseSnapshot(snapshot);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public RangeResponse range(RangeRequest request) {
        return read(reader -> RangeExecutor.range(reader, request,
                reader.metaLong(Layout.META_CURRENT_REV, 1), reader.metaLong(Layout.META_COMPACT_REV, -1)));
    }

    @Override
    public HistoryEvents readEvents(long fromRev, int maxEntries,
            java.util.function.Predicate<com.google.protobuf.ByteString> keyFilter,
            java.util.function.Predicate<com.google.protobuf.ByteString> prevKvFilter) {
        return read(reader -> EventReader.read(reader, fromRev, maxEntries, keyFilter, prevKvFilter));
    }

    @Override
    public io.etch.api.mvccpb.KeyValue prevKv(com.google.protobuf.ByteString key, long modRevision) {
        return read(reader -> EventReader.prevKv(reader, key, modRevision));
    }

    @Override
    public long currentRevision() {
        return currentRev;
    }

    @Override
    public long compactRevision() {
        return Math.max(0, compactMainRev);
    }

    @Override
    public long consistentIndex() {
        return consistentIndex;
    }

    @Override
    public long dbSizeBytes() {
        return sumProperty("rocksdb.total-sst-files-size") + sumProperty("rocksdb.size-all-mem-tables");
    }

    @Override
    public long dbSizeInUseBytes() {
        return sumProperty("rocksdb.estimate-live-data-size") + sumProperty("rocksdb.cur-size-all-mem-tables");
    }

    private long sumProperty(String property) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            long sum = 0;
            for (ColumnFamilyHandle cf : layout.all()) {
                sum += db.getLongProperty(cf, property);
            }
            return sum;
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public HashKvResult hashKv(long revision) {
        return read(reader -> {
            long cur = reader.metaLong(Layout.META_CURRENT_REV, 1);
            long compact = reader.metaLong(Layout.META_COMPACT_REV, -1);
            if (revision > 0 && revision <= compact) {
                throw new EtcdException(EtcdError.COMPACTED);
            }
            if (revision > cur) {
                throw new EtcdException(EtcdError.FUTURE_REV);
            }
            long upTo = revision <= 0 ? cur : revision;
            CRC32C crc = new CRC32C();
            crc.update(Layout.CF_KEY.getBytes(StandardCharsets.UTF_8));
            try (RocksIterator it = reader.view().iterator(layout.key())) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    if (Bytes.getLong(k, 0) > upTo) {
                        break;
                    }
                    crc.update(k);
                    crc.update(it.value());
                }
            }
            return new HashKvResult((int) crc.getValue(), compact, cur);
        });
    }

    @Override
    public int hash() {
        return read(reader -> {
            CRC32C crc = new CRC32C();
            String[] names = Layout.names();
            ColumnFamilyHandle[] cfs = layout.all();
            for (int i = 0; i < cfs.length; i++) {
                crc.update(names[i].getBytes(StandardCharsets.UTF_8));
                try (RocksIterator it = reader.view().iterator(cfs[i])) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        byte[] k = it.key();
                        if (cfs[i] == layout.meta() && Arrays.equals(k, Layout.META_CONSISTENT_INDEX)) {
                            continue;
                        }
                        crc.update(k);
                        crc.update(it.value());
                    }
                }
            }
            return (int) crc.getValue();
        });
    }

    /** Entries per column family (walks everything: tests and diagnostics only). */
    java.util.Map<String, Integer> entryCounts() {
        return read(reader -> {
            java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
            String[] names = Layout.names();
            ColumnFamilyHandle[] cfs = layout.all();
            for (int i = 0; i < cfs.length; i++) {
                int n = 0;
                try (RocksIterator it = reader.view().iterator(cfs[i])) {
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                        n++;
                    }
                }
                counts.put(names[i], n);
            }
            return counts;
        });
    }

    // ---- writes ----

    @Override
    public WriteTxn beginWrite() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            RocksWriteTxn txn = new RocksWriteTxn(this, db, layout, leaseResolver, currentRev, compactMainRev);
            if (!writer.compareAndSet(null, txn)) {
                txn.close();
                throw new IllegalStateException("another WriteTxn is open");
            }
            return txn;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void setLeaseResolver(LongPredicate leaseExists) {
        this.leaseResolver = leaseExists;
    }

    // ---- leases ----

    @Override
    public void setMinLeaseTtl(long seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException("minimum lease TTL must be positive: " + seconds);
        }
        this.minLeaseTtlSeconds = seconds;
    }

    long minLeaseTtl() {
        return minLeaseTtlSeconds;
    }

    @Override
    public void setLeaseListener(LeaseListener listener) {
        this.leaseListener = listener;
    }

    /** Tells the lease listener what a just-published batch granted and revoked, in order. */
    void leasesCommitted(List<RocksWriteTxn.LeaseChange> changes) {
        LeaseListener l = leaseListener;
        for (RocksWriteTxn.LeaseChange c : changes) {
            if (c.granted()) {
                l.granted(new Lease(c.id(), c.ttlSeconds()));
            } else {
                l.revoked(c.id());
            }
        }
    }

    @Override
    public List<Lease> leases() {
        return read(reader -> {
            List<Lease> out = new ArrayList<>();
            try (RocksIterator it = reader.view().iterator(layout.lease())) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    out.add(LeaseCodec.decode(it.value()));
                }
            }
            return out;
        });
    }

    @Override
    public java.util.Optional<Lease> lease(long id) {
        return read(reader -> java.util.Optional.ofNullable(LeaseCodec.get(reader, id)));
    }

    @Override
    public List<com.google.protobuf.ByteString> leaseKeys(long id) {
        return read(reader -> {
            List<com.google.protobuf.ByteString> out = new ArrayList<>();
            for (byte[] k : LeaseCodec.attachedKeys(reader, id)) {
                out.add(com.google.protobuf.ByteString.copyFrom(k));
            }
            return out;
        });
    }

    /** Enters a writer operation: blocks {@link #close()} until {@link #exit()}. */
    void enter() {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException("store is closed");
        }
    }

    void exit() {
        lifecycle.readLock().unlock();
    }

    /** Writes a finished batch and publishes its revision state (called between enter/exit). */
    void publish(TxnBatch batch, long newRev, long newCompactMainRev, long newConsistentIndex) {
        try {
            batch.writeTo(db, writeOptions);
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        }
        currentRev = newRev;
        compactMainRev = newCompactMainRev;
        consistentIndex = newConsistentIndex;
    }

    /** Writes part of an open batch ahead of its commit; see {@link RocksWriteTxn}. */
    void spill(TxnBatch batch) throws RocksDBException {
        batch.writeTo(db, writeOptions);
        spills.incrementAndGet();
    }

    /** How many times a batch was spilled since the store opened (tests and diagnostics). */
    long spillCount() {
        return spills.get();
    }

    /** Undoes writes above {@code committedRev} left by a spilled batch; see {@link UncommittedRevisions}. */
    void rollBackAbove(long committedRev) {
        long removed = UncommittedRevisions.rollBack(db, layout, committedRev, writeOptions);
        if (removed > 0) {
            LOG.warn("rolled back {} uncommitted writes above revision {}", removed, committedRev);
        }
    }

    /** The writer's cache of committed index records; only the open {@link RocksWriteTxn} uses it. */
    IndexCache indexCache() {
        return indexCache;
    }

    void release(RocksWriteTxn txn) {
        writer.compareAndSet(txn, null);
    }

    @Override
    public byte[] getMeta(String name) {
        return read(reader -> reader.meta(
                (Layout.META_EXTERNAL_PREFIX + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void defragment() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            for (org.rocksdb.ColumnFamilyHandle cf : layout.all()) {
                db.compactRange(cf);
            }
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    // ---- snapshots and lifecycle ----

    @Override
    public void flush() {
        lifecycle.readLock().lock();
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            ensureOpen();
            db.flush(options, Arrays.asList(layout.all()));
            db.flushWal(true);
        } catch (RocksDBException e) {
            throw KvView.wrap(e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void checkpoint(Path target) throws IOException {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (Checkpoint checkpoint = Checkpoint.create(db)) {
                checkpoint.createCheckpoint(target.toString());
            }
        } catch (RocksDBException e) {
            throw new IOException("checkpoint to " + target + " failed: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            RocksWriteTxn open = writer.getAndSet(null);
            if (open != null) {
                open.abandon();
            }
            closed = true;
            writeOptions.close();
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    throw new UncheckedIOException(new IOException("closing store: " + e.getMessage(), e));
                }
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }
}
