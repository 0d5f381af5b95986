package io.etch.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.conf.ConfigurationManager;
import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.LogId;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import com.alipay.sofa.jraft.option.LogStorageOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * What the {@link SegmentLogStorage} tests share: opening logs (tracked, so that {@link #closeAll} shuts every
 * one down), restarts, entries with deterministic payloads, and assertions on what a log reads back.
 */
final class LogFixture {
    static final int SMALL_SEGMENT = 4096;
    static final int MEDIUM_SEGMENT = 64 * 1024;

    private final Supplier<Path> dir;
    /** Storages opened and not yet shut down. */
    private final List<SegmentLogStorage> open = new ArrayList<>();
    /** The ConfigurationManager handed to the most recent {@link #open} call. */
    private ConfigurationManager confManager;

    /** @param dir where {@link #open} opens a log, asked at each open */
    LogFixture(Supplier<Path> dir) {
        this.dir = dir;
    }

    /** Opens a log with segments of {@code segmentBytes} (the default size when not positive), asserting init. */
    SegmentLogStorage open(int segmentBytes, boolean sync) {
        confManager = new ConfigurationManager();
        SegmentLogStorage s = segmentBytes <= 0 ? new SegmentLogStorage(dir.get(), sync)
                : new SegmentLogStorage(dir.get(), sync, segmentBytes);
        assertThat(s.init(options(confManager))).as("init").isTrue();
        open.add(s);
        return s;
    }

    void close(SegmentLogStorage s) {
        open.remove(s);
        s.shutdown();
    }

    /** Shuts {@code s} down and opens a new log on the same directory. */
    SegmentLogStorage restart(SegmentLogStorage s, int segmentBytes) {
        close(s);
        return open(segmentBytes, true);
    }

    void closeAll() {
        for (SegmentLogStorage s : open) {
            s.shutdown();
        }
        open.clear();
    }

    ConfigurationManager confManager() {
        return confManager;
    }

    static LogStorageOptions options(ConfigurationManager cm) {
        LogStorageOptions opts = new LogStorageOptions();
        opts.setConfigurationManager(cm);
        opts.setLogEntryCodecFactory(LogEntryV2CodecFactory.getInstance());
        opts.setGroupId("g");
        return opts;
    }

    static LogEntry entry(long index, long term, byte[] data) {
        LogEntry e = new LogEntry(EntryType.ENTRY_TYPE_DATA);
        e.setId(new LogId(index, term));
        e.setData(ByteBuffer.wrap(data));
        return e;
    }

    static LogEntry confEntry(long index, long term, List<PeerId> peers, List<PeerId> oldPeers) {
        LogEntry e = new LogEntry(EntryType.ENTRY_TYPE_CONFIGURATION);
        e.setId(new LogId(index, term));
        e.setPeers(peers);
        if (oldPeers != null) {
            e.setOldPeers(oldPeers);
        }
        return e;
    }

    static PeerId peer(int port) {
        return PeerId.parsePeer("127.0.0.1:" + port);
    }

    /** Deterministic content for (index, term, size): differs between terms, so a stale record is noticed. */
    static byte[] payload(long index, long term, int size) {
        byte[] b = new byte[size];
        Random r = new Random(index * 1_000_003L + term * 7919L + size);
        r.nextBytes(b);
        return b;
    }

    /** The bytes of an entry's data (empty when it has none); does not move the entry's buffer. */
    static byte[] bytes(LogEntry e) {
        ByteBuffer d = e.getData();
        if (d == null) {
            return new byte[0];
        }
        ByteBuffer dup = d.duplicate();
        byte[] b = new byte[dup.remaining()];
        dup.get(b);
        return b;
    }

    static void assertEntry(SegmentLogStorage s, long index, long term, byte[] data) {
        LogEntry e = s.getEntry(index);
        assertThat(e).as("entry %d", index).isNotNull();
        assertThat(e.getId().getIndex()).as("index of entry %d", index).isEqualTo(index);
        assertThat(e.getId().getTerm()).as("term of entry %d", index).isEqualTo(term);
        assertThat(e.getType()).as("type of entry %d", index).isEqualTo(EntryType.ENTRY_TYPE_DATA);
        assertThat(bytes(e)).as("data of entry %d", index).isEqualTo(data);
        assertThat(s.getTerm(index)).as("getTerm(%d)", index).isEqualTo(term);
    }

    static void assertAbsent(SegmentLogStorage s, long index) {
        assertThat(s.getEntry(index)).as("entry %d", index).isNull();
        assertThat(s.getTerm(index)).as("getTerm(%d)", index).isZero();
    }

    /** Appends [from, to] with term {@code term} and data payload(i, term, size(i)); asserts everything appended. */
    static void appendRange(SegmentLogStorage s, long from, long to, long term, java.util.function.LongToIntFunction size) {
        List<LogEntry> batch = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            batch.add(entry(i, term, payload(i, term, size.applyAsInt(i))));
        }
        assertThat(s.appendEntries(batch)).isEqualTo(batch.size());
    }
}
