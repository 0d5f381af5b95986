package io.etch.raft.log;

import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.conf.ConfigurationEntry;
import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.codec.LogEntryDecoder;
import com.alipay.sofa.jraft.entity.codec.LogEntryEncoder;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raft log in append-only segment files, in place of jraft's {@code RocksDBLogStorage}: an append is one
 * positional write into a preallocated file and one {@code fdatasync}, with no memtable, no flush and no
 * compaction behind it. The design is etcd's WAL ({@code wal/wal.go}): preallocated segment files, records
 * with checksums, a torn tail cut off at start-up.
 *
 * <p>Semantics are {@code RocksDBLogStorage}'s: an empty log has {@code last == first - 1} (1 and 0 when
 * fresh); {@link #reset} leaves the entry at the new index (or a term-0 no-op); configuration entries from
 * the first index on are given to the {@link ConfigurationManager} at {@link #init}. Failures are logged and
 * reported as jraft expects ({@code false}, a short count, {@code null}), which makes jraft stop the node.
 *
 * <p>Threads: jraft's log manager calls the mutators from its one disk thread; readers ({@link #getEntry},
 * from replicators and the state machine's catch-up) run at any time. Writes and syncs happen outside the
 * read-write lock, which only guards the segment list and the index bounds, so a reader never waits for a
 * sync. Files: {@code 00000000000000000001.seg}, ... ({@link Segment}), {@code first-index}
 * ({@link LogDirectory}), and {@code spare.tmp} ({@link SegmentAllocator}).
 */
public final class SegmentLogStorage implements LogStorage {
    /** Bytes per segment file: etcd's WAL uses 64 MB; half keeps an idle member's disk use down. */
    public static final int DEFAULT_SEGMENT_BYTES = 32 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(SegmentLogStorage.class);

    private final Path dir;
    private final boolean sync;
    private final int segmentBytes;
    /** Serialises the mutators (jraft calls them from one thread; this makes it a rule). */
    private final ReentrantLock mutator = new ReentrantLock();
    /** Guards {@link #segments} and the bounds against the readers. */
    private final ReentrantReadWriteLock bounds = new ReentrantReadWriteLock();
    private final List<Segment> segments = new ArrayList<>();
    private final CRC32C crc = new CRC32C();
    /** The segment appends go to; null when the next append starts a new one. */
    private Segment active;
    private volatile long firstIndex = 1;
    private volatile long lastIndex;
    private LogEntryEncoder encoder;
    private LogEntryDecoder decoder;
    private SegmentAllocator allocator;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 10);
    private int[] recordSizes = new int[256];
    /** Told the last index after every append that made entries durable; see {@link #onAppended}. */
    private volatile LongConsumer appendListener = index -> { };

    /**
     * A log in {@code dir} (created at {@link #init} if missing) with {@value #DEFAULT_SEGMENT_BYTES}-byte
     * segments.
     *
     * @param sync whether an append {@code fdatasync}s before it returns (jraft's {@code RaftOptions.sync})
     */
    public SegmentLogStorage(Path dir, boolean sync) {
        this(dir, sync, DEFAULT_SEGMENT_BYTES);
    }

    SegmentLogStorage(Path dir, boolean sync, int segmentBytes) {
        this.dir = dir;
        this.sync = sync;
        this.segmentBytes = segmentBytes;
    }

    @Override
    public boolean init(LogStorageOptions opts) {
        mutator.lock();
        try {
            encoder = opts.getLogEntryCodecFactory().encoder();
            decoder = opts.getLogEntryCodecFactory().decoder();
            Files.createDirectories(dir);
            load(opts.getConfigurationManager());
            allocator = new SegmentAllocator(dir, segmentBytes);
            LOG.info("raft log in {}: entries {} to {} in {} segment(s)", dir, firstIndex, lastIndex,
                    segments.size());
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot open the raft log in {}", dir, e);
            closeSegments();
            return false;
        } finally {
            mutator.unlock();
        }
    }

    private void load(ConfigurationManager confManager) throws IOException {
        OptionalLong saved = LogDirectory.readFirstIndex(dir);
        long savedFirst = saved.orElse(1);
        List<Path> files = LogDirectory.segmentFiles(dir);
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            Segment segment;
            try {
                segment = Segment.open(file, (index, type, payload) -> {
                    if (type == EntryType.ENTRY_TYPE_CONFIGURATION_VALUE && index >= savedFirst) {
                        addConfiguration(confManager, payload);
                    }
                });
            } catch (IOException e) {
                if (i == files.size() - 1) {
                    // started but never synced: its header is synced with its first append
                    LOG.warn("raft log: dropping {}, a segment with no header, never written to", file);
                    Files.delete(file);
                    continue;
                }
                throw e;
            }
            if (segment.count() == 0) {
                segment.close();
                Files.delete(file);
                continue;
            }
            if (!segments.isEmpty() && segment.firstIndex() != segments.get(segments.size() - 1).lastIndex() + 1) {
                segment.close();
                throw new IOException("raft log: " + file + " starts at " + segment.firstIndex() + " but the"
                        + " segment before ends at " + segments.get(segments.size() - 1).lastIndex());
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            firstIndex = savedFirst;
            lastIndex = savedFirst - 1;
        } else {
            Segment last = segments.get(segments.size() - 1);
            // the scan stopped at the first record that is not whole: cut there, and append to a new segment
            last.cutAfter(last.lastIndex());
            firstIndex = Math.max(savedFirst, segments.get(0).firstIndex());
            lastIndex = Math.max(last.lastIndex(), firstIndex - 1);
            dropSegmentsBelow(firstIndex);
        }
        LogDirectory.syncDirectory(dir);
    }

    private void addConfiguration(ConfigurationManager confManager, ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        LogEntry entry = decoder.decode(bytes);
        if (entry == null || confManager == null) {
            return;
        }
        ConfigurationEntry conf = new ConfigurationEntry();
        conf.setId(new LogId(entry.getId().getIndex(), entry.getId().getTerm()));
        conf.setConf(new Configuration(entry.getPeers(), entry.getLearners()));
        if (entry.getOldPeers() != null) {
            conf.setOldConf(new Configuration(entry.getOldPeers(), entry.getOldLearners()));
        }
        confManager.add(conf);
    }

    @Override
    public void shutdown() {
        mutator.lock();
        try {
            if (allocator != null) {
                allocator.close();
            }
            closeSegments();
        } finally {
            mutator.unlock();
        }
    }

    private void closeSegments() {
        bounds.writeLock().lock();
        try {
            for (Segment s : segments) {
                closeQuietly(s);
            }
            segments.clear();
            active = null;
        } finally {
            bounds.writeLock().unlock();
        }
    }

    @Override
    public long getFirstLogIndex() {
        return firstIndex;
    }

    @Override
    public long getLastLogIndex() {
        return lastIndex;
    }

    @Override
    public LogEntry getEntry(long index) {
        bounds.readLock().lock();
        try {
            if (index < firstIndex || index > lastIndex) {
                return null;
            }
            Segment segment = segmentOf(index);
            return segment == null ? null : decoder.decode(segment.read(index));
        } catch (IOException e) {
            LOG.error("cannot read raft log entry {} in {}", index, dir, e);
            return null;
        } finally {
            bounds.readLock().unlock();
        }
    }

    private Segment segmentOf(long index) {
        int lo = 0;
        int hi = segments.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Segment s = segments.get(mid);
            if (index < s.firstIndex()) {
                hi = mid - 1;
            } else if (index > s.lastIndex()) {
                lo = mid + 1;
            } else {
                return s;
            }
        }
        return null;
    }

    @Deprecated
    @Override
    public long getTerm(long index) {
        LogEntry entry = getEntry(index);
        return entry == null ? 0 : entry.getId().getTerm();
    }

    @Override
    public boolean appendEntry(LogEntry entry) {
        return appendEntries(List.of(entry)) == 1;
    }

    /**
     * Appends entries that follow the last one (any index when the log is empty), synced before it returns.
     *
     * @return how many were appended: fewer than given when one does not follow, or an I/O error stopped it
     */
    @Override
    public int appendEntries(List<LogEntry> entries) {
        if (entries == null || entries.isEmpty()) {
            return 0;
        }
        int appended;
        long last;
        mutator.lock();
        try {
            appended = append(entries);
            last = lastIndex;
        } finally {
            mutator.unlock();
        }
        if (appended > 0) {
            appendListener.accept(last);
        }
        return appended;
    }

    /**
     * Sets what runs after each {@link #appendEntries} that made entries durable (synced, when the log
     * syncs, and readable through {@link #getTerm}), with the log's last index, on the appending thread
     * (jraft's log manager thread) before jraft sees the append finished. It must be quick and not throw;
     * one listener, the last set wins.
     */
    public void onAppended(LongConsumer listener) {
        appendListener = listener;
    }

    private int append(List<LogEntry> entries) {
        int appended = 0;
        int pending = 0;
        long next = lastIndex + 1;
        boolean empty = lastIndex < firstIndex;
        buffer.clear();
        try {
            for (LogEntry entry : entries) {
                long index = entry.getId().getIndex();
                if (!empty && index != next) {
                    LOG.error("raft log: entry {} does not follow {}", index, next - 1);
                    break;
                }
                byte[] payload = encoder.encode(entry);
                int size = Segment.recordBytes(payload.length);
                if (active == null || (active.count() + pending > 0 && active.end() + buffer.position() + size > segmentBytes)) {
                    appended += flush(pending);
                    pending = 0;
                    if (empty && index != firstIndex) {
                        LogDirectory.writeFirstIndex(dir, index);
                        firstIndex = index;
                    }
                    startSegment(index);
                }
                ensureRoom(size, pending);
                active.encode(buffer, index, entry.getType().getNumber(), payload, crc);
                recordSizes[pending++] = size;
                empty = false;
                next = index + 1;
            }
            appended += flush(pending);
        } catch (IOException e) {
            LOG.error("raft log: append failed in {} after {} of {} entries", dir, appended, entries.size(), e);
            active = null; // a partial write may sit at its end: never append after it
        }
        return appended;
    }

    /** Writes and syncs the buffered records to the active segment, then publishes them to readers. */
    private int flush(int pending) throws IOException {
        if (pending == 0) {
            return 0;
        }
        buffer.flip();
        active.writeRecords(buffer);
        if (sync) {
            active.sync();
        }
        bounds.writeLock().lock();
        try {
            active.publish(pending, recordSizes);
            lastIndex = active.lastIndex();
        } finally {
            bounds.writeLock().unlock();
        }
        buffer.clear();
        return pending;
    }

    private void ensureRoom(int size, int pending) {
        if (buffer.remaining() < size) {
            int capacity = Math.max(buffer.capacity() * 2, buffer.position() + size);
            ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        if (pending == recordSizes.length) {
            recordSizes = Arrays.copyOf(recordSizes, pending * 2);
        }
    }

    private void startSegment(long firstIndexOfSegment) throws IOException {
        Path file = allocator.allocate(dir.resolve(Segment.fileName(firstIndexOfSegment)));
        Segment segment = Segment.create(file, firstIndexOfSegment);
        bounds.writeLock().lock();
        try {
            segments.add(segment);
        } finally {
            bounds.writeLock().unlock();
        }
        active = segment;
    }

    /** Drops the entries before {@code firstIndexKept}: whole segments below it are deleted. */
    @Override
    public boolean truncatePrefix(long firstIndexKept) {
        mutator.lock();
        try {
            if (firstIndexKept <= firstIndex) {
                return true;
            }
            LogDirectory.writeFirstIndex(dir, firstIndexKept);
            bounds.writeLock().lock();
            try {
                firstIndex = firstIndexKept;
                lastIndex = Math.max(lastIndex, firstIndexKept - 1);
            } finally {
                bounds.writeLock().unlock();
            }
            dropSegmentsBelow(firstIndexKept);
            return true;
        } catch (IOException e) {
            LOG.error("raft log: cannot drop the entries before {} in {}", firstIndexKept, dir, e);
            return false;
        } finally {
            mutator.unlock();
        }
    }

    private void dropSegmentsBelow(long firstIndexKept) throws IOException {
        List<Segment> dropped = new ArrayList<>();
        bounds.writeLock().lock();
        try {
            while (!segments.isEmpty() && segments.get(0).lastIndex() < firstIndexKept) {
                dropped.add(segments.remove(0));
            }
            if (dropped.contains(active)) {
                active = null;
            }
        } finally {
            bounds.writeLock().unlock();
        }
        delete(dropped);
    }

    /** Drops the entries after {@code lastIndexKept}: the segment holding it is cut, later ones deleted. */
    @Override
    public boolean truncateSuffix(long lastIndexKept) {
        mutator.lock();
        try {
            if (lastIndexKept >= lastIndex) {
                return true;
            }
            // later segments go first (last one first), then the cut: a crash in between leaves the log
            // contiguous, with some of the dropped entries still in it
            List<Segment> dropped = new ArrayList<>();
            bounds.writeLock().lock();
            try {
                while (!segments.isEmpty() && segments.get(segments.size() - 1).firstIndex() > lastIndexKept) {
                    dropped.add(segments.remove(segments.size() - 1));
                }
                lastIndex = Math.max(lastIndexKept, firstIndex - 1);
                active = null; // a cut segment loses its preallocated tail; an empty log starts a new one
            } finally {
                bounds.writeLock().unlock();
            }
            delete(dropped);
            bounds.writeLock().lock();
            try {
                if (!segments.isEmpty()) {
                    segments.get(segments.size() - 1).cutAfter(lastIndexKept);
                }
            } finally {
                bounds.writeLock().unlock();
            }
            return true;
        } catch (IOException e) {
            LOG.error("raft log: cannot drop the entries after {} in {}", lastIndexKept, dir, e);
            active = null;
            return false;
        } finally {
            mutator.unlock();
        }
    }

    /**
     * Drops every entry and starts the log again at {@code nextLogIndex}, holding the entry that was there
     * (or a no-op of term 0), as {@code RocksDBLogStorage.reset}: called after installing a snapshot.
     *
     * @throws IllegalArgumentException when {@code nextLogIndex} is not positive
     */
    @Override
    public boolean reset(long nextLogIndex) {
        if (nextLogIndex <= 0) {
            throw new IllegalArgumentException("Invalid next log index.");
        }
        mutator.lock();
        try {
            LogEntry entry = getEntry(nextLogIndex);
            List<Segment> dropped;
            bounds.writeLock().lock();
            try {
                dropped = new ArrayList<>(segments);
                segments.clear();
                active = null;
                firstIndex = nextLogIndex;
                lastIndex = nextLogIndex - 1;
            } finally {
                bounds.writeLock().unlock();
            }
            delete(dropped);
            LogDirectory.writeFirstIndex(dir, nextLogIndex);
            if (entry == null) {
                entry = new LogEntry(EntryType.ENTRY_TYPE_NO_OP);
                entry.setId(new LogId(nextLogIndex, 0));
            }
            return append(List.of(entry)) == 1;
        } catch (IOException e) {
            LOG.error("raft log: cannot reset {} to {}", dir, nextLogIndex, e);
            return false;
        } finally {
            mutator.unlock();
        }
    }

    private void delete(List<Segment> dropped) throws IOException {
        if (dropped.isEmpty()) {
            return;
        }
        for (Segment s : dropped) {
            closeQuietly(s);
            Files.deleteIfExists(s.path());
        }
        LogDirectory.syncDirectory(dir);
    }

    private static void closeQuietly(Segment s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.warn("raft log: cannot close {}", s.path(), e);
        }
    }
}
