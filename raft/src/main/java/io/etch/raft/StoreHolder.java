package io.etch.raft;

import io.etch.storage.MvccStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * Owns the member's {@link MvccStore} and lets it be swapped when a raft snapshot is installed.
 * Readers run under a read lock, so a store is never closed under a reader; only snapshot install
 * takes the write lock. Thread-safe.
 */
public final class StoreHolder implements AutoCloseable {
    private final Path dir;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private MvccStore store;

    /** Opens (or creates) the store in {@code dir}; throws IOException when it cannot. */
    public StoreHolder(Path dir) throws IOException {
        this.dir = dir;
        this.store = MvccStore.open(dir);
    }

    /** Runs {@code read} against the current store; the store stays open while it runs. */
    public <T> T read(Function<MvccStore, T> read) {
        lock.readLock().lock();
        try {
            return read.apply(store);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The current store, for the apply thread only (which is also the only thread that swaps it). */
    MvccStore applyStore() {
        return store;
    }

    /**
     * Replaces the store with the checkpoint in {@code checkpointDir} (raft snapshot install).
     * Called on the apply thread.
     */
    void replaceWith(Path checkpointDir) throws IOException {
        lock.writeLock().lock();
        try {
            store.close();
            MvccStore.restoreFromCheckpoint(checkpointDir, dir);
            store = MvccStore.open(dir);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            store.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
