package io.etch.storage.watch;

import com.google.protobuf.ByteString;
import io.etch.api.mvccpb.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * One watcher (etcd {@code mvcc/watchable_store.go} {@code watcher}): a key, {@code [key, end)} or
 * from-key range on one {@link WatchStream}, with its filters and the lowest revision it has not been
 * given yet. Mutable state is guarded by the {@link WatchableStore}'s lock.
 */
final class Watcher {
    /** Where the watcher is: its group, or gone. Legal moves: SYNCED ⇄ UNSYNCED, either → COMPACTED | CANCELED. */
    enum State { SYNCED, UNSYNCED, COMPACTED, CANCELED }

    final WatchStream stream;
    final long id;
    final ByteString key;
    /** Exclusive end; null for a single key or from-key. */
    final ByteString end;
    final boolean fromKey;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;

    /** The lowest revision not yet delivered (etcd's {@code minRev}). */
    long nextRev;
    State state;
    /** Events were queued since the last progress tick (etcd elides the next progress notification). */
    boolean eventsSinceTick;

    Watcher(WatchStream stream, long id, ByteString key, ByteString end, boolean fromKey, boolean noPut,
            boolean noDelete, boolean prevKv, boolean progressNotify, long nextRev) {
        this.stream = stream;
        this.id = id;
        this.key = key;
        this.end = end;
        this.fromKey = fromKey;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.nextRev = nextRev;
    }

    boolean isSingleKey() {
        return end == null && !fromKey;
    }

    /**
     * The events of {@code matched} this watcher is given: filters applied (NOPUT drops PUT, NODELETE
     * drops DELETE), prev_kv removed unless asked for. Returns an empty list when all are filtered.
     */
    List<Event> select(List<Event> matched) {
        List<Event> out = new ArrayList<>(matched.size());
        for (Event ev : matched) {
            if (ev.getType() == Event.EventType.PUT ? noPut : noDelete) {
                continue;
            }
            out.add(!prevKv && ev.hasPrevKv() ? ev.toBuilder().clearPrevKv().build() : ev);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Watcher[" + id + " " + key.toStringUtf8() + (fromKey ? "+" : end == null ? "" : ".." + end.toStringUtf8())
                + " next=" + nextRev + " " + state + "]";
    }
}
