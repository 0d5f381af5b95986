package io.etch.storage.watch;

/**
 * Limits and timings of a {@link WatchableStore}.
 *
 * @param progressNotifyIntervalMs period of progress notifications for watchers created with
 *     {@code progress_notify} (etcd {@code --experimental-watch-progress-notify-interval}, default 10 min;
 *     each stream adds up to 10% jitter; values below 100 ms are raised to 100 ms like etcd)
 * @param maxQueuedResponses event responses one stream may hold unsent (etcd's {@code chanBufLen} 128);
 *     a watcher that finds its stream full leaves the synced group and catches up from history
 * @param maxQueuedBytes serialized bytes one stream may hold unsent; a single larger response is still
 *     accepted when the stream holds nothing else
 * @param historyBatchEntries history entries read per catch-up read (a revision is never split, so a
 *     read may exceed it by one revision's entries); also bounds the revisions in one catch-up response
 * @param maxPendingEvents committed events waiting for the notifier; beyond it the events are dropped and
 *     every synced watcher catches up from history instead (apply never waits)
 * @param maxWatchersPerSync unsynced watchers considered by one catch-up pass (etcd's {@code maxWatchersPerSync})
 */
public record WatchConfig(long progressNotifyIntervalMs, int maxQueuedResponses, long maxQueuedBytes,
        int historyBatchEntries, int maxPendingEvents, int maxWatchersPerSync) {

    /** etcd's minimum progress interval ({@code v3rpc/watch.go minWatchProgressInterval}). */
    public static final long MIN_PROGRESS_NOTIFY_INTERVAL_MS = 100;

    public WatchConfig {
        if (maxQueuedResponses < 1 || maxQueuedBytes < 1 || historyBatchEntries < 1 || maxPendingEvents < 1
                || maxWatchersPerSync < 1) {
            throw new IllegalArgumentException("watch limits must be positive");
        }
        progressNotifyIntervalMs = Math.max(MIN_PROGRESS_NOTIFY_INTERVAL_MS, progressNotifyIntervalMs);
    }

    /** 10 min progress, 128 responses / 8 MiB per stream, 1000 entries per read, 100k pending events. */
    public static WatchConfig defaults() {
        return new WatchConfig(600_000, 128, 8L << 20, 1000, 100_000, 512);
    }

    public WatchConfig withProgressNotifyIntervalMs(long ms) {
        return new WatchConfig(ms, maxQueuedResponses, maxQueuedBytes, historyBatchEntries, maxPendingEvents,
                maxWatchersPerSync);
    }
}
