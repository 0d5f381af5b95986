package io.etch.storage.watch;

import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * The watchers of one client {@code Watch} stream and the responses waiting to be sent to it, in order
 * (etcd {@code mvcc/watcher.go watchStream} + the ordering of {@code v3rpc/watch.go}).
 *
 * <p>Responses are etcd's {@code WatchResponse} with a header holding only {@code revision} (0 where etcd
 * sends none); the server fills cluster id, member id and raft term. Control responses (created,
 * canceled, progress, compacted) are always queued; event responses only while the stream holds fewer
 * than {@link WatchConfig#maxQueuedResponses} responses and {@link WatchConfig#maxQueuedBytes} bytes,
 * so a stream's memory stays bounded however slowly its client reads.
 *
 * <p>Thread-safe. {@link #watch}, {@link #cancel} and {@link #requestProgress} are meant to be called in
 * the client's request order (one thread at a time); {@link #poll} by the one sender.
 */
public final class WatchStream implements AutoCloseable {
    /** etcd's {@code clientv3.InvalidWatchID}. */
    public static final long INVALID_WATCH_ID = -1;
    static final String ERR_EMPTY_RANGE = "mvcc: watcher range is empty";
    static final String ERR_DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

    private final WatchableStore store;
    private final Runnable onAvailable;
    private final WatchConfig config;

    // guarded by queue
    private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>();
    private long queuedBytes;
    private int queuedEventResponses;
    private boolean rejected;
    private boolean closed;

    // guarded by the store's lock
    final Map<Long, Watcher> watchers = new HashMap<>();
    private long nextId;
    ScheduledFuture<?> progressTicker;

    WatchStream(WatchableStore store, Runnable onAvailable, WatchConfig config) {
        this.store = store;
        this.onAvailable = onAvailable;
        this.config = config;
    }

    /**
     * etcd's watch create ({@code v3rpc/watch.go} recvLoop + {@code watchStream.Watch}): key {@code ""}
     * means {@code "\0"}; {@code range_end "\0"} means from-key; {@code start_revision} 0 means after the
     * current revision; {@code watch_id} 0 picks the lowest unused id counting up from 0. Queues
     * {@code {header{revision = current}, watch_id, created}} before anything else of the new watcher, or
     * {@code {watch_id -1, created, canceled, cancel_reason}} for an empty range ({@code key >= range_end})
     * or a duplicate id.
     */
    public void watch(WatchCreateRequest request) {
        store.create(this, request);
    }

    /** Cancels watcher {@code watchId}: queues {@code {header{current}, watch_id, canceled}}; nothing if unknown. */
    public void cancel(long watchId) {
        store.cancel(this, watchId);
    }

    /** etcd's {@code WatchProgressRequest}: queues {@code {header{current revision}, watch_id -1}}. */
    public void requestProgress() {
        offer(WatchResponse.newBuilder().setHeader(header(store.currentRevision())).setWatchId(INVALID_WATCH_ID)
                .build(), true);
    }

    /** The next response to send, or null when none is waiting (or the stream is closed). */
    public WatchResponse poll() {
        boolean wake = false;
        WatchResponse r;
        synchronized (queue) {
            r = queue.poll();
            if (r == null) {
                return null;
            }
            queuedBytes -= r.getSerializedSize();
            if (r.getEventsCount() > 0) {
                queuedEventResponses--;
            }
            if (rejected && hasRoomLocked()) {
                rejected = false;
                wake = true;
            }
        }
        if (wake) {
            store.wakeup();
        }
        return r;
    }

    /** Number of responses waiting. */
    public int pending() {
        synchronized (queue) {
            return queue.size();
        }
    }

    /** Number of live watchers (including compacted ones the client has not cancelled, like etcd). */
    public int watcherCount() {
        return store.watcherCount(this);
    }

    /** Removes every watcher and drops unsent responses. Idempotent. */
    @Override
    public void close() {
        store.closeStream(this);
        synchronized (queue) {
            closed = true;
            queue.clear();
            queuedBytes = 0;
            queuedEventResponses = 0;
        }
    }

    // ---- used by the store (under its lock) ----

    /** The id for a new watcher, or {@code INVALID_WATCH_ID} when {@code requested} is in use. */
    long assignId(long requested) {
        if (requested != 0) {
            return watchers.containsKey(requested) ? INVALID_WATCH_ID : requested;
        }
        while (watchers.containsKey(nextId)) {
            nextId++;
        }
        return nextId++;
    }

    /**
     * Queues {@code r}; an event response ({@code force} false) only if the stream has room.
     *
     * @return false when the stream was full (nothing queued); true otherwise, also when closed
     */
    boolean offer(WatchResponse r, boolean force) {
        synchronized (queue) {
            if (closed) {
                return true;
            }
            if (!force && !hasRoomFor(r)) {
                rejected = true;
                return false;
            }
            queue.add(r);
            queuedBytes += r.getSerializedSize();
            if (r.getEventsCount() > 0) {
                queuedEventResponses++;
            }
        }
        onAvailable.run();
        return true;
    }

    /** Whether an event response could be queued now; when not, the store is woken once room appears. */
    boolean hasRoom() {
        synchronized (queue) {
            if (closed || hasRoomLocked()) {
                return true;
            }
            rejected = true;
            return false;
        }
    }

    private boolean hasRoomLocked() {
        return queuedEventResponses < config.maxQueuedResponses() && queuedBytes < config.maxQueuedBytes();
    }

    private boolean hasRoomFor(WatchResponse r) {
        if (queuedEventResponses >= config.maxQueuedResponses()) {
            return false;
        }
        return queue.isEmpty() || queuedBytes + r.getSerializedSize() <= config.maxQueuedBytes();
    }

    static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }
}
