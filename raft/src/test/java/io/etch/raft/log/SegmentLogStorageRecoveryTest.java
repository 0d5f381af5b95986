package io.etch.raft.log;

import static io.etch.raft.log.LogFixture.MEDIUM_SEGMENT;
import static io.etch.raft.log.LogFixture.SMALL_SEGMENT;
import static io.etch.raft.log.LogFixture.assertAbsent;
import static io.etch.raft.log.LogFixture.assertEntry;
import static io.etch.raft.log.LogFixture.bytes;
import static io.etch.raft.log.LogFixture.confEntry;
import static io.etch.raft.log.LogFixture.entry;
import static io.etch.raft.log.LogFixture.payload;
import static io.etch.raft.log.LogFixture.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.entity.EnumOutter.EntryType;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.entity.codec.v2.LogEntryV2CodecFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recovery of {@link SegmentLogStorage} from what a crash leaves on disk (a corrupted last record, a torn append),
 * and the documented on-disk format (a randomised comparison against a model: {@link SegmentLogStorageModelTest}).
 */
class SegmentLogStorageRecoveryTest extends SegmentLogTestBase {
    static final int HEADER_BYTES = 32;
    /** The record header: payload length, crc, index, type. */
    static final int RECORD_HEADER_BYTES = 20;
    static final byte[] MAGIC = "ETCHSEG1".getBytes(StandardCharsets.US_ASCII);

    // ---------------------------------------------------------------- the on-disk format, read independently

    /**
     * A record as the format describes it; {@code offset} is where its header starts, {@code payloadOffset} where
     * its payload does.
     */
    record Rec(long offset, long payloadOffset, int payloadLength, long index, int type, byte[] payload) {
        long end() {
            return payloadOffset + payloadLength;
        }
    }

    /**
     * A segment file parsed by the documented format: the valid records, in order, until the scan stops.
     * {@code recordHeaderBytes} is where the payload starts in a record: the documented fields take 20 bytes
     * (length 4, crc 4, index 8, type 4) while the text says the header is 24, so the parser accepts either a
     * 20-byte header or one padded to 24, whichever the first record's crc confirms, and then holds every record
     * of the file to it.
     */
    record Seg(Path path, byte[] salt, long firstIndex, List<Rec> records, long size, int recordHeaderBytes) {
        Rec last() {
            return records.get(records.size() - 1);
        }
    }

    static List<Path> segmentFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.seg")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    static Seg parse(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all);
        assertThat(all.length).as("size of %s", file).isGreaterThanOrEqualTo(HEADER_BYTES);
        assertThat(Arrays.copyOfRange(all, 0, 8)).as("magic of %s", file).isEqualTo(MAGIC);
        byte[] salt = Arrays.copyOfRange(all, 8, 16);
        long first = b.getLong(16);
        assertThat(b.getLong(24)).as("reserved bytes of %s", file).isZero();
        assertThat(file.getFileName().toString()).isEqualTo(String.format("%020d.seg", first));
        List<Rec> recs = scan(all, salt, first, RECORD_HEADER_BYTES);
        return new Seg(file, salt, first, recs, all.length, RECORD_HEADER_BYTES);
    }

    private static List<Rec> scan(byte[] all, byte[] salt, long first, int headerBytes) {
        ByteBuffer b = ByteBuffer.wrap(all);
        List<Rec> recs = new ArrayList<>();
        long expected = first;
        int pos = HEADER_BYTES;
        while (pos + headerBytes <= all.length) {
            int len = b.getInt(pos);
            if (len <= 0 || (long) pos + headerBytes + len > all.length) {
                break;
            }
            int crc = b.getInt(pos + 4);
            long index = b.getLong(pos + 8);
            int type = b.getInt(pos + 16);
            byte[] body = Arrays.copyOfRange(all, pos + headerBytes, pos + headerBytes + len);
            CRC32C c = new CRC32C();
            c.update(salt);
            c.update(all, pos + 8, 12); // index + type
            c.update(body);
            if ((int) c.getValue() != crc || index != expected) {
                break;
            }
            recs.add(new Rec(pos, pos + headerBytes, len, index, type, body));
            expected++;
            pos += headerBytes + len;
        }
        return recs;
    }

    static void writeAt(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            ch.write(one, offset);
        }
    }

    /** The last segment file, asserted to hold the record {@code lastIndex} as its last valid record. */
    private Seg lastSegmentEndingAt(long lastIndex) throws IOException {
        List<Path> files = segmentFiles(dir);
        assertThat(files).isNotEmpty();
        Seg last = parse(files.get(files.size() - 1));
        assertThat(last.records()).as("records of the last segment %s", last.path()).isNotEmpty();
        assertThat(last.last().index()).isEqualTo(lastIndex);
        return last;
    }

    @Test
    void segmentFilesFollowTheDocumentedFormat() throws IOException {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        List<LogEntry> batch = new ArrayList<>();
        for (long i = 1; i <= 120; i++) {
            batch.add(i % 17 == 0
                    ? confEntry(i, 1, List.of(peer(8081), peer(8082)), null)
                    : entry(i, 1, payload(i, 1, (int) (i * 53 % 600))));
        }
        assertThat(s.appendEntries(batch)).isEqualTo(120);
        close(s);

        List<Path> files = segmentFiles(dir);
        assertThat(files.size()).as("120 entries of ~300 bytes roll over 4 KiB segments").isGreaterThan(5);
        long expected = 1;
        for (Path f : files) {
            Seg seg = parse(f);
            assertThat(seg.firstIndex()).isEqualTo(expected);
            assertThat(seg.size()).as("a segment is at most the segment size").isLessThanOrEqualTo(SMALL_SEGMENT);
            assertThat(seg.records()).as("records of %s", f).isNotEmpty();
            for (Rec r : seg.records()) {
                LogEntry decoded = LogEntryV2CodecFactory.getInstance().decoder().decode(r.payload());
                LogEntry original = batch.get((int) (r.index() - 1));
                assertThat(decoded.getId()).isEqualTo(original.getId());
                assertThat(r.type()).isEqualTo(original.getType().getNumber());
                assertThat(decoded.getType()).isEqualTo(original.getType());
                assertThat(bytes(decoded)).isEqualTo(bytes(original));
                expected = r.index() + 1;
            }
            // after the last record: the rest of the file is zeros (preallocated), or the file ends
            Seg p = seg;
            long end = p.last().end();
            byte[] all = Files.readAllBytes(f);
            if (end + 4 <= all.length) {
                assertThat(ByteBuffer.wrap(all).getInt((int) end)).as("length after the last record of %s", f).isZero();
            }
        }
        assertThat(expected).isEqualTo(121);
        assertThat(parse(files.get(0)).salt()).isNotEqualTo(parse(files.get(1)).salt());
    }

    // ---------------------------------------------------------------- a corrupted last record

    @ParameterizedTest(name = "segmentBytes={0}")
    @ValueSource(ints = {MEDIUM_SEGMENT, SMALL_SEGMENT})
    void aCorruptedLastRecordIsDroppedAndItsIndexCanBeAppendedAgain(int segmentBytes) throws IOException {
        final long n = 60;
        SegmentLogStorage s = open(segmentBytes);
        for (long i = 1; i <= n; i += 10) {
            LogFixture.appendRange(s, i, i + 9, 1, j -> 150);
        }
        close(s);

        Seg last = lastSegmentEndingAt(n);
        Rec r = last.last();
        flipByte(last.path(), r.payloadOffset() + r.payloadLength() / 2);

        s = open(segmentBytes);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(n - 1);
        for (long i = 1; i < n; i++) {
            assertEntry(s, i, 1, payload(i, 1, 150));
        }
        assertAbsent(s, n);

        assertThat(s.appendEntry(entry(n, 2, payload(n, 2, 77)))).isTrue();
        assertEntry(s, n, 2, payload(n, 2, 77));
        s = restart(s, segmentBytes);
        assertThat(s.getLastLogIndex()).isEqualTo(n);
        assertEntry(s, n, 2, payload(n, 2, 77));
        assertEntry(s, n - 1, 1, payload(n - 1, 1, 150));
        assertAbsent(s, n + 1);

        LogFixture.appendRange(s, n + 1, n + 40, 2, j -> 150);
        s = restart(s, segmentBytes);
        assertThat(s.getLastLogIndex()).isEqualTo(n + 40);
        for (long i = n + 1; i <= n + 40; i++) {
            assertEntry(s, i, 2, payload(i, 2, 150));
        }
    }

    @Test
    void aCorruptedRecordHeaderOfTheLastRecordIsDroppedToo() throws IOException {
        SegmentLogStorage s = open(MEDIUM_SEGMENT);
        LogFixture.appendRange(s, 1, 8, 1, j -> 100);
        close(s);
        Seg last = lastSegmentEndingAt(8);
        flipByte(last.path(), last.last().offset() + 17); // in the type field, covered by the crc
        s = open(MEDIUM_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(7);
        assertAbsent(s, 8);
        s = restart(s, MEDIUM_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(7);
    }

    @Test
    void theOnlyRecordCorruptedLeavesAnEmptyLog() throws IOException {
        SegmentLogStorage s = open(MEDIUM_SEGMENT);
        assertThat(s.appendEntry(entry(1, 1, payload(1, 1, 100)))).isTrue();
        close(s);
        Seg last = lastSegmentEndingAt(1);
        flipByte(last.path(), last.last().payloadOffset() + 10);
        s = open(MEDIUM_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(0);
        assertAbsent(s, 1);
        assertThat(s.appendEntry(entry(1, 2, payload(1, 2, 30)))).isTrue();
        s = restart(s, MEDIUM_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(1);
        assertEntry(s, 1, 2, payload(1, 2, 30));
    }

    // ---------------------------------------------------------------- a torn append after the last record

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"recordHeaderWithBadCrc", "partialHeader", "randomGarbage", "nextRecordWithWrongIndex"})
    void aTornAppendAfterTheLastRecordIsIgnoredAndOverwritten(String kind) throws IOException {
        final long n = 25;
        SegmentLogStorage s = open(MEDIUM_SEGMENT);
        LogFixture.appendRange(s, 1, n, 1, j -> (int) (j * 41 % 300));
        close(s);

        Seg last = lastSegmentEndingAt(n);
        long end = last.last().end();
        writeAt(last.path(), end, tornBytes(kind, last, n));

        s = open(MEDIUM_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(n);
        for (long i = 1; i <= n; i++) {
            assertEntry(s, i, 1, payload(i, 1, (int) (i * 41 % 300)));
        }
        assertAbsent(s, n + 1);

        LogFixture.appendRange(s, n + 1, n + 3, 2, j -> 90);
        s = restart(s, MEDIUM_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(n + 3);
        for (long i = 1; i <= n; i++) {
            assertEntry(s, i, 1, payload(i, 1, (int) (i * 41 % 300)));
        }
        for (long i = n + 1; i <= n + 3; i++) {
            assertEntry(s, i, 2, payload(i, 2, 90));
        }
        assertAbsent(s, n + 4);

        // a second crash-restart cycle on top of the first one
        LogFixture.appendRange(s, n + 4, n + 10, 2, j -> 200);
        s = restart(s, MEDIUM_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(n + 10);
        assertEntry(s, n + 10, 2, payload(n + 10, 2, 200));
    }

    private static byte[] tornBytes(String kind, Seg seg, long n) {
        Random r = new Random(kind.hashCode());
        switch (kind) {
            case "recordHeaderWithBadCrc": {
                // a full header for n+1 whose payload was only partly written: 60 of 300 bytes
                ByteBuffer b = ByteBuffer.allocate(RECORD_HEADER_BYTES + 60);
                b.putInt(300).putInt(0x12345678).putLong(n + 1).putInt(EntryType.ENTRY_TYPE_DATA.getNumber());
                byte[] part = new byte[60];
                r.nextBytes(part);
                b.put(part);
                return b.array();
            }
            case "partialHeader": {
                ByteBuffer b = ByteBuffer.allocate(10);
                b.putInt(123).putInt(0x0BADBEEF).putShort((short) 1);
                return b.array();
            }
            case "randomGarbage": {
                byte[] g = new byte[500];
                r.nextBytes(g);
                g[0] = 0x01; // a non-zero length, so the scan has to reject it by its crc
                return g;
            }
            case "nextRecordWithWrongIndex": {
                // a complete, correctly checksummed record, but for index n+2: not the expected next one
                byte[] body = payload(n + 2, 9, 40);
                ByteBuffer b = ByteBuffer.allocate(seg.recordHeaderBytes() + body.length);
                CRC32C c = new CRC32C();
                c.update(seg.salt());
                c.update(ByteBuffer.allocate(12).putLong(n + 2).putInt(EntryType.ENTRY_TYPE_DATA.getNumber()).array());
                c.update(body);
                b.putInt(body.length).putInt((int) c.getValue()).putLong(n + 2)
                        .putInt(EntryType.ENTRY_TYPE_DATA.getNumber());
                b.position(seg.recordHeaderBytes()); // a padded header's last 4 bytes: zeros
                b.put(body);
                return b.array();
            }
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    @Test
    void aTornAppendInTheLastOfManySegments() throws IOException {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        LogFixture.appendRange(s, 1, 100, 1, j -> 150);
        close(s);
        Seg last = lastSegmentEndingAt(100);
        byte[] garbage = new byte[100];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0;
        garbage[1] = 0;
        garbage[2] = 0;
        garbage[3] = 50;
        writeAt(last.path(), last.last().end(), garbage);

        s = open(SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(100);
        LogFixture.appendRange(s, 101, 160, 2, j -> 150); // rolls over more segments
        s = restart(s, SMALL_SEGMENT);
        assertThat(s.getLastLogIndex()).isEqualTo(160);
        for (long i = 1; i <= 100; i++) {
            assertEntry(s, i, 1, payload(i, 1, 150));
        }
        for (long i = 101; i <= 160; i++) {
            assertEntry(s, i, 2, payload(i, 2, 150));
        }
        assertAbsent(s, 161);
    }

    // ---------------------------------------------------------------- many segments

    @Test
    void aRestartAfterManyRolloversKeepsEveryEntry() throws IOException {
        SegmentLogStorage s = open(SMALL_SEGMENT);
        long next = 1;
        Random r = new Random(42);
        Map<Long, byte[]> data = new TreeMap<>();
        while (next <= 500) {
            List<LogEntry> batch = new ArrayList<>();
            int k = 1 + r.nextInt(9);
            for (int j = 0; j < k; j++, next++) {
                byte[] d = new byte[r.nextInt(601)];
                r.nextBytes(d);
                data.put(next, d);
                batch.add(entry(next, 1 + next / 100, d));
            }
            assertThat(s.appendEntries(batch)).isEqualTo(k);
        }
        long last = next - 1;
        close(s);
        assertThat(segmentFiles(dir).size()).isGreaterThan(20);

        s = open(SMALL_SEGMENT);
        assertThat(s.getFirstLogIndex()).isEqualTo(1);
        assertThat(s.getLastLogIndex()).isEqualTo(last);
        for (long i = 1; i <= last; i++) {
            assertEntry(s, i, 1 + i / 100, data.get(i));
        }
        // reads in a random order, crossing segment boundaries back and forth
        for (int j = 0; j < 500; j++) {
            long i = 1 + r.nextInt((int) last);
            assertEntry(s, i, 1 + i / 100, data.get(i));
        }
    }

}
