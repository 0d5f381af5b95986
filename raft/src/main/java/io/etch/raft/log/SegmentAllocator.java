package io.etch.raft.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one zero-filled file of the segment size ready ({@value #SPARE_FILE}), written on a background
 * thread, so that starting a segment is a rename and the log thread's appends land in allocated blocks.
 * etcd preallocates its WAL files the same way ({@code fileutil.Preallocate} in {@code wal/file_pipeline.go});
 * Java has no {@code fallocate}, so the file is written out. It is written and synced a mebibyte at a time,
 * so that a journal commit forced by the log's own {@code fdatasync} never has much of it to write back.
 */
final class SegmentAllocator implements AutoCloseable {
    static final String SPARE_FILE = "spare.tmp";
    private static final int CHUNK = 1 << 20;
    private static final int CLOSE_WAIT_SECONDS = 10;

    private final Path dir;
    private final long segmentBytes;
    private final ExecutorService executor;
    private Future<Path> spare;

    SegmentAllocator(Path dir, long segmentBytes) throws IOException {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        Files.deleteIfExists(dir.resolve(SPARE_FILE));
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "etch-raft-log-allocator");
            t.setDaemon(true);
            return t;
        });
        this.spare = executor.submit(this::prepare);
    }

    /**
     * Moves the spare file to {@code target} (waiting for it if it is still being written), syncs the
     * directory, and starts the next spare.
     *
     * @throws IOException when the spare could not be written or moved
     */
    Path allocate(Path target) throws IOException {
        Path ready;
        try {
            ready = spare.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a raft log segment file");
        } catch (ExecutionException e) {
            // the background write failed (disk full?): try once more on this thread, for the error
            ready = prepare();
        }
        Files.move(ready, target, StandardCopyOption.ATOMIC_MOVE);
        LogDirectory.syncDirectory(dir);
        spare = executor.submit(this::prepare);
        return target;
    }

    private Path prepare() throws IOException {
        Path tmp = dir.resolve(SPARE_FILE);
        ByteBuffer zeros = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = 0;
            while (pos < segmentBytes) {
                zeros.clear().limit((int) Math.min(CHUNK, segmentBytes - pos));
                while (zeros.hasRemaining()) {
                    pos += ch.write(zeros, pos);
                }
                ch.force(false);
            }
        }
        return tmp;
    }

    /**
     * Stops the background thread and waits for it (up to {@value #CLOSE_WAIT_SECONDS} s), so that no file
     * appears in the directory after the log is shut down; a spare being written is abandoned (deleted at
     * the next start).
     */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
