package io.etch.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The files of a raft log directory besides the segments' contents: the segment list, the persisted first
 * index ({@value #FIRST_INDEX_FILE}: the index as a big-endian long and its CRC32C), and directory syncs.
 */
final class LogDirectory {
    static final String FIRST_INDEX_FILE = "first-index";
    static final String SEGMENT_SUFFIX = ".seg";

    private LogDirectory() {
    }

    /** The segment files in {@code dir}, by first index (their names sort so). */
    static List<Path> segmentFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SEGMENT_SUFFIX)) {
            stream.forEach(files::add);
        }
        Collections.sort(files);
        return files;
    }

    /** The first index saved by {@link #writeFirstIndex}, empty when none was or it does not check out. */
    static OptionalLong readFirstIndex(Path dir) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(FIRST_INDEX_FILE));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
        if (bytes.length != 12) {
            return OptionalLong.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long index = b.getLong();
        return b.getInt() == checksum(index) ? OptionalLong.of(index) : OptionalLong.empty();
    }

    /** Saves the first index durably: written to a temporary file, synced, renamed over, directory synced. */
    static void writeFirstIndex(Path dir, long index) throws IOException {
        Path tmp = dir.resolve(FIRST_INDEX_FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.allocate(12).putLong(index).putInt(checksum(index)).flip();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FIRST_INDEX_FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Makes the directory's entries (files created, renamed, deleted) durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static int checksum(long index) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(8).putLong(index).flip());
        return (int) crc.getValue();
    }
}
