package io.etch.storage.watch;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import io.etch.storage.EtcdException;
import io.etch.storage.HistoryEvents;
import io.etch.storage.MvccStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's watchable store ({@code mvcc/watchable_store.go}) beside an {@link MvccStore}: one per member.
 *
 * <p>Groups. A watcher is <em>synced</em> when it has been given every event up to what the notifier
 * has processed; synced watchers get live events. It is <em>unsynced</em> while it is behind: created
 * with a start revision at or below the current one, or moved out of the synced group because its
 * stream was full, or because live events were dropped. Unsynced watchers catch up from the store's
 * history in bounded reads ({@link WatchConfig#historyBatchEntries} entries, many revisions per
 * response, header revision = the store's revision at the read) and rejoin the synced group once a read
 * reaches the end of history. An unsynced watcher whose next revision is below the compact revision gets
 * {@code {watch_id, canceled, compact_revision}} (no header revision, no reason) and is removed.
 *
 * <p>Never blocking apply. {@link #onCommit} only appends the batch to a queue and wakes the notifier
 * thread. When more than {@link WatchConfig#maxPendingEvents} events wait, later batches are replaced by
 * a marker and every synced watcher catches up from history, so memory stays bounded. The notifier
 * gives each synced watcher one response per revision ({@code header.revision} = that revision; all events
 * of a txn together), filtered and with prev_kv when asked. A response is queued on the watcher's
 * {@link WatchStream} only if the stream has room; otherwise the watcher becomes unsynced at that revision.
 *
 * <p>Example: watcher w on "a" created at revision 10 (synced, next 11). Batches 11 (put a), 12 (put b),
 * 13 (put a) arrive; w gets {rev 11: [a]} and, if its stream is full at 13, moves to unsynced with next
 * 13; the next catch-up read from 13 finds [a@13] and w rejoins the synced group with next 14.
 *
 * <p>Threading: one notifier thread does live notification and catch-up; creating and cancelling
 * watchers happen on the caller's thread under one lock, which the notifier holds only while matching
 * (never while reading history; live events for prev_kv watchers do one point read per event under it,
 * see {@link #withPrevKv}). Progress ticks run on a scheduler thread.
 */
public final class WatchableStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchableStore.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** A committed batch, or (events null) the marker "events up to {@code revision} were dropped". */
    private static final class Batch {
        final List<Event> events;
        final AtomicLong revision;
        volatile boolean taken;

        Batch(List<Event> events, long revision) {
            this.events = events;
            this.revision = new AtomicLong(revision);
        }
    }

    private final EventSource source;
    private final WatchConfig config;
    private final ReentrantLock mu = new ReentrantLock();
    private final WatcherGroup synced = new WatcherGroup();
    private final WatcherGroup unsynced = new WatcherGroup();
    private final ConcurrentLinkedQueue<Batch> pending = new ConcurrentLinkedQueue<>();
    private final AtomicLong pendingEvents = new AtomicLong();
    private final ScheduledExecutorService ticker;
    private final Thread notifier;
    /** The last dropped-events marker queued by {@link #onCommit} (apply thread only). */
    private Batch lastDropped;
    /** The highest revision the notifier has processed (etcd: the store revision seen by synced watchers). */
    private volatile long notified;
    private volatile boolean closed;
    private volatile long passes;
    private volatile String lastPass = "";

    /**
     * Starts the notifier thread. Create it before the store starts applying (so that no batch is missed).
     *
     * @param source the member's store
     * @param config limits and timings
     */
    public WatchableStore(EventSource source, WatchConfig config) {
        this.source = source;
        this.config = config;
        this.notified = source.read(MvccStore::currentRevision);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watch-progress");
            t.setDaemon(true);
            return t;
        });
        this.notifier = new Thread(this::run, "watch-notifier");
        notifier.setDaemon(true);
        notifier.start();
    }

    /**
     * A new stream for one client. {@code onAvailable} is called (on any thread, possibly under internal
     * locks: it must only schedule work, not block or call back into the stream) whenever a response is
     * queued; the caller then drains the stream with {@link WatchStream#poll()}.
     */
    public WatchStream newStream(Runnable onAvailable) {
        return new WatchStream(this, onAvailable, config);
    }

    /**
     * The events of one committed apply batch (raft module's {@code RaftListener.onCommit}). Returns at
     * once: never blocks and never reads the store. Called by one thread (apply) in commit order.
     *
     * @param events the batch's PUT/DELETE events in revision order, prev_kv filled where the key was live;
     *     null when the batch kept none ({@code WriteTxn.events()}): synced watchers then read the batch's
     *     revisions from the store's history, as after dropped events
     * @param revision the store's revision after the batch
     */
    public void onCommit(List<Event> events, long revision) {
        Batch dropped = lastDropped;
        if (dropped != null) {
            // coalesce into the pending marker while the notifier has not taken it
            dropped.revision.set(revision);
            if (!dropped.taken) {
                LockSupport.unpark(notifier);
                return;
            }
            lastDropped = null;
        }
        if (events == null
                || !events.isEmpty() && pendingEvents.get() + events.size() > config.maxPendingEvents()) {
            Batch marker = new Batch(null, revision);
            lastDropped = marker;
            pending.add(marker);
        } else {
            pendingEvents.addAndGet(events.size());
            pending.add(new Batch(events, revision));
        }
        LockSupport.unpark(notifier);
    }

    /**
     * The store was replaced under the watchers (raft snapshot install, etcd's {@code watchableStore.Restore}):
     * every synced watcher catches up from the new store's history. Non-blocking.
     */
    public void onReset() {
        pending.add(new Batch(null, 0));
        lastDropped = null;
        LockSupport.unpark(notifier);
    }

    /** The store's current revision. */
    long currentRevision() {
        return source.read(MvccStore::currentRevision);
    }

    /** The highest committed revision whose events the notifier has handed to synced watchers. */
    public long notifiedRevision() {
        return notified;
    }

    /** Stops the notifier and the progress ticks; streams are left as they are. Idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(notifier);
        ticker.shutdownNow();
        try {
            notifier.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- stream operations (caller threads) ----

    void create(WatchStream stream, WatchCreateRequest req) {
        ByteString key = req.getKey().isEmpty() ? ByteString.copyFrom(new byte[] {0}) : req.getKey();
        ByteString rangeEnd = req.getRangeEnd();
        boolean fromKey = rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0;
        ByteString end = rangeEnd.isEmpty() || fromKey ? null : rangeEnd;
        boolean noPut = req.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
        boolean noDelete = req.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
        mu.lock();
        try {
            long cur = currentRevision();
            if (end != null && ByteString.unsignedLexicographicalComparator().compare(key, end) >= 0) {
                stream.offer(createFailed(cur, WatchStream.ERR_EMPTY_RANGE), true);
                return;
            }
            long id = stream.assignId(req.getWatchId());
            if (id == WatchStream.INVALID_WATCH_ID) {
                stream.offer(createFailed(cur, WatchStream.ERR_DUPLICATE_ID), true);
                return;
            }
            long start = req.getStartRevision() == 0 ? cur + 1 : req.getStartRevision();
            Watcher w = new Watcher(stream, id, key, end, fromKey, noPut, noDelete, req.getPrevKv(),
                    req.getProgressNotify(), start);
            stream.watchers.put(id, w);
            stream.offer(WatchResponse.newBuilder().setHeader(WatchStream.header(cur)).setWatchId(id)
                    .setCreated(true).build(), true);
            if (start > cur) {
                w.state = Watcher.State.SYNCED;
                synced.add(w);
            } else {
                w.state = Watcher.State.UNSYNCED;
                unsynced.add(w);
                LockSupport.unpark(notifier);
            }
            if (w.progressNotify && stream.progressTicker == null && !closed) {
                long interval = config.progressNotifyIntervalMs();
                long period = interval + ThreadLocalRandom.current().nextLong(Math.max(1, interval / 10));
                stream.progressTicker = ticker.scheduleAtFixedRate(() -> progressTick(stream), period, period,
                        TimeUnit.MILLISECONDS);
            }
        } finally {
            mu.unlock();
        }
    }

    private static WatchResponse createFailed(long cur, String reason) {
        return WatchResponse.newBuilder().setHeader(WatchStream.header(cur)).setWatchId(WatchStream.INVALID_WATCH_ID)
                .setCreated(true).setCanceled(true).setCancelReason(reason).build();
    }

    void cancel(WatchStream stream, long id) {
        mu.lock();
        try {
            Watcher w = stream.watchers.remove(id);
            if (w == null) {
                return;
            }
            detach(w);
            stream.offer(WatchResponse.newBuilder().setHeader(WatchStream.header(currentRevision())).setWatchId(id)
                    .setCanceled(true).build(), true);
        } finally {
            mu.unlock();
        }
    }

    void closeStream(WatchStream stream) {
        mu.lock();
        try {
            for (Watcher w : stream.watchers.values()) {
                detach(w);
            }
            stream.watchers.clear();
            if (stream.progressTicker != null) {
                stream.progressTicker.cancel(false);
                stream.progressTicker = null;
            }
        } finally {
            mu.unlock();
        }
    }

    int watcherCount(WatchStream stream) {
        mu.lock();
        try {
            return stream.watchers.size();
        } finally {
            mu.unlock();
        }
    }

    private void detach(Watcher w) {
        if (w.state == Watcher.State.SYNCED) {
            synced.remove(w);
        } else if (w.state == Watcher.State.UNSYNCED) {
            unsynced.remove(w);
        }
        w.state = Watcher.State.CANCELED;
    }

    /** etcd's progress ticker ({@code v3rpc/watch.go} sendLoop + {@code watchableStore.progress}). */
    private void progressTick(WatchStream stream) {
        mu.lock();
        try {
            for (Watcher w : stream.watchers.values()) {
                if (!w.progressNotify) {
                    continue;
                }
                if (!w.eventsSinceTick && w.state == Watcher.State.SYNCED) {
                    long rev = Math.max(notified, w.nextRev - 1);
                    stream.offer(WatchResponse.newBuilder().setHeader(WatchStream.header(rev)).setWatchId(w.id)
                            .build(), false);
                }
                w.eventsSinceTick = false;
            }
        } finally {
            mu.unlock();
        }
    }

    void wakeup() {
        LockSupport.unpark(notifier);
    }

    // ---- the notifier thread ----

    private void run() {
        while (!closed) {
            try {
                Batch b;
                while ((b = pending.poll()) != null && !closed) {
                    process(b);
                }
                boolean progressed = false;
                if (hasUnsynced()) {
                    passes++;
                    progressed = syncPass();
                }
                if (!progressed && pending.isEmpty()) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
            } catch (RuntimeException | Error e) {
                if (closed) {
                    return;
                }
                LOG.warn("watch notifier error (retrying)", e);
                LockSupport.parkNanos(this, IDLE_PARK_NANOS);
            }
        }
    }

    private boolean hasUnsynced() {
        mu.lock();
        try {
            return !unsynced.isEmpty();
        } finally {
            mu.unlock();
        }
    }

    private void process(Batch b) {
        if (b.events == null) {
            b.taken = true;
            long upTo = b.revision.get();
            mu.lock();
            try {
                long from = notified + 1;
                for (Watcher w : new ArrayList<>(synced.all())) {
                    synced.remove(w);
                    w.nextRev = Math.max(w.nextRev, from);
                    w.state = Watcher.State.UNSYNCED;
                    unsynced.add(w);
                }
                if (upTo > notified) {
                    notified = upTo;
                }
            } finally {
                mu.unlock();
            }
            return;
        }
        pendingEvents.addAndGet(-b.events.size());
        mu.lock();
        try {
            List<Event> evs = b.events;
            int i = 0;
            while (i < evs.size()) {
                long rev = evs.get(i).getKv().getModRevision();
                int j = i + 1;
                while (j < evs.size() && evs.get(j).getKv().getModRevision() == rev) {
                    j++;
                }
                if (!synced.isEmpty()) {
                    notifySynced(rev, evs.subList(i, j));
                }
                i = j;
            }
            long rev = b.revision.get();
            if (rev > notified) {
                notified = rev;
            }
        } finally {
            mu.unlock();
        }
    }

    /** etcd's {@code watchableStore.notify}: one response per watcher for revision {@code rev}. */
    private void notifySynced(long rev, List<Event> events) {
        Map<Watcher, List<Event>> matched = new LinkedHashMap<>();
        for (Event ev : events) {
            synced.forEachMatch(ev.getKv().getKey(), w -> {
                if (rev >= w.nextRev) {
                    matched.computeIfAbsent(w, k -> new ArrayList<>(2)).add(ev);
                }
            });
        }
        Map<Event, Event> withPrev = null;
        for (Map.Entry<Watcher, List<Event>> e : matched.entrySet()) {
            Watcher w = e.getKey();
            List<Event> evs = e.getValue();
            if (w.prevKv) {
                if (withPrev == null) {
                    withPrev = new IdentityHashMap<>();
                }
                evs = withPrevKv(evs, withPrev);
            }
            List<Event> selected = w.select(evs);
            if (selected.isEmpty()) {
                continue;
            }
            if (w.stream.offer(eventsResponse(w, selected, rev), false)) {
                w.eventsSinceTick = true;
            } else {
                synced.remove(w);
                w.nextRev = rev;
                w.state = Watcher.State.UNSYNCED;
                unsynced.add(w);
            }
        }
    }

    /**
     * {@code events} with prev_kv on every DELETE and on every PUT that updated a live key (etcd
     * {@code v3rpc/watch.go} sendLoop reads it at {@code mod_revision - 1} for watchers that ask): apply
     * reads the previous value only when the request itself needs it. One read per event, shared through
     * {@code done}; left out when that revision was compacted meanwhile, as etcd does.
     */
    private List<Event> withPrevKv(List<Event> events, Map<Event, Event> done) {
        List<Event> out = null;
        for (int i = 0; i < events.size(); i++) {
            Event ev = events.get(i);
            if (ev.hasPrevKv() || (ev.getType() == Event.EventType.PUT
                    && ev.getKv().getCreateRevision() == ev.getKv().getModRevision())) {
                continue;
            }
            Event filled = done.computeIfAbsent(ev, k -> {
                KeyValue prev = source.read(s -> s.prevKv(k.getKv().getKey(), k.getKv().getModRevision()));
                return prev == null ? k : k.toBuilder().setPrevKv(prev).build();
            });
            if (out == null) {
                out = new ArrayList<>(events);
            }
            out.set(i, filled);
        }
        return out == null ? events : out;
    }

    private static WatchResponse eventsResponse(Watcher w, List<Event> events, long rev) {
        return WatchResponse.newBuilder().setHeader(WatchStream.header(rev)).setWatchId(w.id).addAllEvents(events)
                .build();
    }

    /**
     * One catch-up pass (etcd's {@code syncWatchers}): cancels compacted watchers, reads one bounded batch
     * of history from the lowest next revision among unsynced watchers whose streams have room, and hands
     * each its events; watchers that reached the end of history rejoin the synced group.
     *
     * @return whether anything changed (so another pass may be useful at once)
     */
    private boolean syncPass() {
        boolean changed = false;
        List<Watcher> candidates = new ArrayList<>();
        WatcherGroup group = new WatcherGroup();
        WatcherGroup prevKvGroup = new WatcherGroup();
        long from = Long.MAX_VALUE;
        mu.lock();
        try {
            long compact = source.read(MvccStore::compactRevision);
            for (Watcher w : new ArrayList<>(unsynced.all())) {
                if (compact > 0 && w.nextRev < compact) {
                    unsynced.remove(w);
                    w.state = Watcher.State.COMPACTED;
                    w.stream.offer(WatchResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance())
                            .setWatchId(w.id).setCanceled(true).setCompactRevision(compact).build(), true);
                    changed = true;
                    continue;
                }
                if (candidates.size() >= config.maxWatchersPerSync() || !w.stream.hasRoom()) {
                    continue;
                }
                candidates.add(w);
                group.add(w);
                if (w.prevKv) {
                    prevKvGroup.add(w);
                }
                from = Math.min(from, w.nextRev);
            }
            if (candidates.isEmpty()) {
                return changed;
            }
            long cur = currentRevision();
            if (from > cur) {
                // nothing to read: these watchers are already past the end of history
                for (Watcher w : candidates) {
                    toSynced(w);
                }
                return true;
            }
        } finally {
            mu.unlock();
        }

        HistoryEvents read;
        long readFrom = from;
        try {
            read = source.read(s -> s.readEvents(readFrom, config.historyBatchEntries(), group::watches,
                    prevKvGroup.isEmpty() ? k -> false : prevKvGroup::watches));
        } catch (EtcdException e) {
            return changed; // compacted meanwhile: the next pass cancels the watchers concerned
        }

        mu.lock();
        try {
            int failed = 0;
            int advanced = 0;
            Map<Watcher, List<Event>> matched = new IdentityHashMap<>();
            for (Event ev : read.events()) {
                long rev = ev.getKv().getModRevision();
                group.forEachMatch(ev.getKv().getKey(), w -> {
                    if (rev >= w.nextRev) {
                        matched.computeIfAbsent(w, k -> new ArrayList<>()).add(ev);
                    }
                });
            }
            for (Watcher w : candidates) {
                if (w.state != Watcher.State.UNSYNCED || w.nextRev >= read.nextRevision()) {
                    continue;
                }
                List<Event> evs = matched.get(w);
                List<Event> selected = evs == null ? List.of() : w.select(evs);
                if (!selected.isEmpty()) {
                    if (!w.stream.offer(eventsResponse(w, selected, read.currentRevision()), false)) {
                        failed++;
                        continue;
                    }
                    w.eventsSinceTick = true;
                }
                w.nextRev = read.nextRevision();
                advanced++;
                changed = true;
                if (read.complete() && notified <= read.currentRevision()) {
                    toSynced(w);
                }
            }
            lastPass = "from " + from + " next " + read.nextRevision() + " candidates " + candidates.size()
                    + " failed " + failed + " advanced " + advanced + " events " + read.events().size();
        } finally {
            mu.unlock();
        }
        return changed;
    }

    private void toSynced(Watcher w) {
        unsynced.remove(w);
        w.state = Watcher.State.SYNCED;
        synced.add(w);
    }

    // ---- test hooks ----

    int syncedCount() {
        mu.lock();
        try {
            return synced.size();
        } finally {
            mu.unlock();
        }
    }

    int unsyncedCount() {
        mu.lock();
        try {
            return unsynced.size();
        } finally {
            mu.unlock();
        }
    }

    String describe(WatchStream stream, long id) {
        mu.lock();
        try {
            Watcher w = stream.watchers.get(id);
            return (w == null ? "no watcher" : w.toString()) + " last " + lastPass + " notifier " + notifier.getState() + " passes " + passes + " stream pending " + stream.pending() + " room "
                    + stream.hasRoom();
        } finally {
            mu.unlock();
        }
    }

    long pendingEvents() {
        return pendingEvents.get();
    }
}
