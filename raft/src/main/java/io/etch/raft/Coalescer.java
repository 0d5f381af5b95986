package io.etch.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers items offered from any thread and hands them to a sink in batches: everything offered while
 * the previous batch was being handed over goes out together. One peer message then carries many
 * forwarded commands (or their results) instead of one each, so that the leader's raft log sees them
 * in one append (the role of etcd's raft batching {@code MsgProp} entries from a follower).
 *
 * <p>Example: a drain is scheduled on the executor by the first {@code offer(a)}; {@code offer(b)} and
 * {@code offer(c)} arrive before it runs; the drain hands {@code [a, b, c]} to the sink. An item
 * offered while the sink runs goes in the next batch, which the same drain hands over before it ends.
 *
 * <p>The sink should not throw (a batch it throws on is logged and dropped). It runs on the executor, never on an offering thread, and never concurrently with itself;
 * items reach it in offer order per offering thread. A batch holds at most {@code maxItems} items and,
 * unless its first item alone is larger, at most {@code maxBytes} by {@code size}. Thread-safe.
 */
final class Coalescer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(Coalescer.class);
    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Executor executor;
    private final Consumer<List<T>> sink;
    private final ToIntFunction<T> size;
    private final int maxItems;
    private final long maxBytes;

    /**
     * @param executor runs the drains; must accept tasks while items can be offered (a rejected drain
     *     propagates {@link java.util.concurrent.RejectedExecutionException} to {@link #offer})
     * @param sink receives each non-empty batch; a list it may keep
     * @param size an item's size in bytes, for {@code maxBytes}
     * @param maxItems most items per batch, at least 1
     * @param maxBytes most bytes per batch (a single larger item still goes alone)
     */
    Coalescer(Executor executor, Consumer<List<T>> sink, ToIntFunction<T> size, int maxItems, long maxBytes) {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be at least 1: " + maxItems);
        }
        this.executor = executor;
        this.sink = sink;
        this.size = size;
        this.maxItems = maxItems;
        this.maxBytes = maxBytes;
    }

    /** Queues {@code item} for the next batch, scheduling a drain when none is scheduled or running. */
    void offer(T item) {
        queue.add(item);
        if (draining.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void drain() {
        while (true) {
            List<T> batch;
            while (!(batch = poll()).isEmpty()) {
                try {
                    sink.accept(batch);
                } catch (RuntimeException e) {
                    LOG.error("batch of {} dropped by its sink", batch.size(), e);
                }
            }
            draining.set(false);
            // an offer between the last poll and the reset saw the flag set and scheduled nothing
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private List<T> poll() {
        List<T> batch = new ArrayList<>();
        long bytes = 0;
        T next;
        while (batch.size() < maxItems && (next = queue.peek()) != null) {
            int n = size.applyAsInt(next);
            if (!batch.isEmpty() && bytes + n > maxBytes) {
                break;
            }
            batch.add(queue.poll());
            bytes += n;
        }
        return batch;
    }
}
