package io.etch.storage;

import io.etch.api.mvccpb.Event;
import java.util.List;

/**
 * One batch of watch events read from the store's history by {@link MvccStore#readEvents}.
 *
 * <p>Example: reading from revision 5 over a store at revision 9 whose history is put a@5, txn{put b,
 * del a}@6, put c@9, with {@code maxEntries = 2}: the read stops after the whole of revision 6 (three
 * entries, a revision is never split) and returns events [a@5, b@6, a@6(delete)], {@code nextRevision
 * = 7}, {@code currentRevision = 9}; the next read starts at 7.
 *
 * @param events PUT/DELETE events in revision (then sub-revision) order; a DELETE carries
 *     {@code kv{key, mod_revision}}; prev_kv only where asked (unmodifiable)
 * @param nextRevision the first revision not read: {@code currentRevision + 1} when the read reached
 *     the end of history
 * @param currentRevision the store's revision in the snapshot the batch was read from
 * @param compactRevision the store's compact revision in that snapshot (0 when never compacted)
 */
public record HistoryEvents(List<Event> events, long nextRevision, long currentRevision, long compactRevision) {
    public HistoryEvents {
        events = List.copyOf(events);
    }

    /** True when the read reached the end of the history (nothing newer than {@link #currentRevision}). */
    public boolean complete() {
        return nextRevision > currentRevision;
    }
}
