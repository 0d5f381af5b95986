package io.etch.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * One file of the raft log: a run of consecutive entries starting at {@link #firstIndex()}.
 *
 * <p>Layout: a {@value #HEADER_BYTES}-byte header (magic {@code ETCHSEG1}, an 8-byte random salt, the first
 * index as a big-endian long, 8 reserved bytes), then records of a {@value #RECORD_HEADER_BYTES}-byte header
 * (payload length as int, CRC32C as int, index as long, entry type as int, all big-endian) and the payload
 * (jraft's encoding of the entry). The checksum covers the salt, the index, the type and the payload, so a
 * record left over from an earlier use of the same bytes never validates. The file is zero-filled ahead of
 * the records (see {@link SegmentAllocator}), so that an append overwrites allocated blocks and the
 * {@code fdatasync} after it has no file size to record, as etcd's preallocated WAL files.
 *
 * <p>A scan ({@link #open}) stops at the first record that is zero, incomplete, fails its checksum or is not
 * the next index: beyond it nothing was acknowledged. Not thread-safe: {@link SegmentLogStorage} serialises
 * writers and holds a read lock around {@link #read}.
 */
final class Segment {
    static final int HEADER_BYTES = 32;
    static final int RECORD_HEADER_BYTES = 20;
    private static final byte[] MAGIC = "ETCHSEG1".getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private final FileChannel channel;
    private final long salt;
    private final long firstIndex;
    /** File offset of each record: {@code offsets[i]} holds entry {@code firstIndex + i}. */
    private int[] offsets = new int[1024];
    private int count;
    private long end;

    private Segment(Path path, FileChannel channel, long salt, long firstIndex) {
        this.path = path;
        this.channel = channel;
        this.salt = salt;
        this.firstIndex = firstIndex;
        this.end = HEADER_BYTES;
    }

    /** The file name of the segment whose first entry is {@code firstIndex}: twenty digits, {@code .seg}. */
    static String fileName(long firstIndex) {
        return String.format("%020d.seg", firstIndex);
    }

    /**
     * Starts a segment in a preallocated (zero-filled) file: writes the header, not yet synced; it is synced
     * with the first append.
     */
    static Segment create(Path path, long firstIndex) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        long salt = ThreadLocalRandom.current().nextLong();
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).putLong(salt).putLong(firstIndex).putLong(0).flip();
        writeFully(ch, header, 0);
        return new Segment(path, ch, salt, firstIndex);
    }

    /**
     * Opens a segment written before and scans its records.
     *
     * @param onRecord called with each valid record, in index order
     * @throws IOException when the file cannot be read or its header is not a segment's
     */
    static Segment open(Path path, RecordVisitor onRecord) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileWindow file = new FileWindow(ch, ch.size());
            if (!file.cover(0, HEADER_BYTES)) {
                throw new IOException("raft log segment " + path + " is shorter than its header");
            }
            ByteBuffer header = file.at(0);
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("raft log segment " + path + " has no segment header");
            }
            Segment segment = new Segment(path, ch, header.getLong(), header.getLong());
            segment.scan(file, onRecord);
            return segment;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Receives one valid record during a scan. */
    interface RecordVisitor {
        /**
         * @param index the entry's index
         * @param type the entry type's number
         * @param payload the encoded entry; only valid during the call
         */
        void record(long index, int type, ByteBuffer payload);
    }

    private void scan(FileWindow file, RecordVisitor onRecord) throws IOException {
        long pos = HEADER_BYTES;
        CRC32C crc = new CRC32C();
        while (file.cover(pos, RECORD_HEADER_BYTES)) {
            ByteBuffer header = file.at(pos);
            int length = header.getInt();
            int stored = header.getInt();
            long index = header.getLong();
            int type = header.getInt();
            if (length <= 0 || index != firstIndex + count || !file.cover(pos, RECORD_HEADER_BYTES + length)) {
                break;
            }
            ByteBuffer payload = file.at(pos + RECORD_HEADER_BYTES);
            payload.limit(payload.position() + length);
            crc.reset();
            updateCrc(crc, salt, index, type);
            crc.update(payload.duplicate());
            if ((int) crc.getValue() != stored) {
                break;
            }
            onRecord.record(index, type, payload);
            addOffset(pos);
            pos += RECORD_HEADER_BYTES + length;
        }
        end = pos;
    }

    /**
     * Sequential reads of a file through a heap buffer of {@value #WINDOW_BYTES} bytes (larger for a larger
     * record): a scan costs one read per window, and no mapping is left to count in the member's RSS.
     */
    private static final class FileWindow {
        private static final int WINDOW_BYTES = 1 << 20;
        private final FileChannel channel;
        private final long size;
        private ByteBuffer window = ByteBuffer.allocate(0);
        private long start;

        FileWindow(FileChannel channel, long size) {
            this.channel = channel;
            this.size = size;
        }

        /** Loads {@code [pos, pos + n)} into the window; false when the file ends before. */
        boolean cover(long pos, int n) throws IOException {
            if (pos + n > size) {
                return false;
            }
            if (pos >= start && pos + n <= start + window.limit()) {
                return true;
            }
            if (window.capacity() < Math.max(n, WINDOW_BYTES)) {
                window = ByteBuffer.allocate(Math.max(n, WINDOW_BYTES));
            }
            window.clear().limit((int) Math.min(window.capacity(), size - pos));
            readFully(channel, window, pos);
            window.flip();
            start = pos;
            return true;
        }

        /** A view of the window from {@code pos}, which a {@link #cover} call loaded. */
        ByteBuffer at(long pos) {
            return window.duplicate().position((int) (pos - start));
        }
    }

    private static void updateCrc(CRC32C crc, long salt, long index, int type) {
        ByteBuffer b = ByteBuffer.allocate(20).putLong(salt).putLong(index).putInt(type).flip();
        crc.update(b);
    }

    private void addOffset(long offset) {
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, count * 2);
        }
        offsets[count++] = (int) offset;
    }

    /** The bytes a record of {@code payloadLength} takes in the file. */
    static int recordBytes(int payloadLength) {
        return RECORD_HEADER_BYTES + payloadLength;
    }

    /**
     * Encodes a record for the next index into {@code out}, which must have {@link #recordBytes} room; the
     * record is appended to the file by {@link #write}.
     */
    void encode(ByteBuffer out, long index, int type, byte[] payload, CRC32C crc) {
        crc.reset();
        updateCrc(crc, salt, index, type);
        crc.update(payload);
        out.putInt(payload.length).putInt((int) crc.getValue()).putLong(index).putInt(type).put(payload);
    }

    /**
     * Writes encoded records at the end of the segment, without syncing and without making them readable:
     * {@link #publish} does that once they are durable.
     *
     * @throws IOException when the write fails; the segment then must not be appended to again
     */
    void writeRecords(ByteBuffer records) throws IOException {
        writeFully(channel, records, end);
    }

    /** Makes the {@code entries} records written last readable; {@code recordSizes} holds their sizes. */
    void publish(int entries, int[] recordSizes) {
        long pos = end;
        for (int i = 0; i < entries; i++) {
            addOffset(pos);
            pos += recordSizes[i];
        }
        end = pos;
    }

    /** {@code fdatasync}s the file. */
    void sync() throws IOException {
        channel.force(false);
    }

    /** The payload of entry {@code index}, which this segment holds, checked against its checksum. */
    byte[] read(long index) throws IOException {
        int offset = offsets[(int) (index - firstIndex)];
        ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);
        readFully(channel, header, offset);
        int length = header.getInt(0);
        byte[] payload = new byte[length];
        readFully(channel, ByteBuffer.wrap(payload), offset + RECORD_HEADER_BYTES);
        CRC32C crc = new CRC32C();
        updateCrc(crc, salt, index, header.getInt(16));
        crc.update(payload);
        if ((int) crc.getValue() != header.getInt(4) || header.getLong(8) != index) {
            throw new IOException("raft log entry " + index + " in " + path + " fails its checksum");
        }
        return payload;
    }

    /**
     * Keeps the entries up to {@code lastIndexKept} and cuts the file right after them, synced: no record
     * beyond survives to be read by a later scan. The segment must not be appended to afterwards (its tail
     * is no longer preallocated); an empty segment is left to be deleted.
     */
    void cutAfter(long lastIndexKept) throws IOException {
        int keep = (int) Math.max(0, Math.min(count, lastIndexKept - firstIndex + 1));
        long cut = keep == count ? end : offsets[keep];
        count = keep;
        end = cut;
        channel.truncate(cut);
        channel.force(true);
    }

    long firstIndex() {
        return firstIndex;
    }

    /** The last index held, {@code firstIndex - 1} when empty. */
    long lastIndex() {
        return firstIndex + count - 1;
    }

    int count() {
        return count;
    }

    /** The file offset where the next record goes. */
    long end() {
        return end;
    }

    Path path() {
        return path;
    }

    void close() throws IOException {
        channel.close();
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("raft log segment ends inside a record");
            }
            pos += n;
        }
    }
}
