package io.etch.storage.watch;

import com.google.protobuf.ByteString;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A set of watchers indexed for matching by key (etcd {@code mvcc/watcher_group.go}): single-key
 * watchers in a hash map by key, range and from-key watchers in an {@link IntervalTree}. Matching one
 * key costs a hash lookup plus {@code O(log ranges + matches)}. Not thread-safe.
 */
final class WatcherGroup {
    private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
    private final IntervalTree<Watcher> ranges = new IntervalTree<>();
    private final Set<Watcher> all = new LinkedHashSet<>();

    void add(Watcher w) {
        if (!all.add(w)) {
            throw new IllegalStateException("watcher added twice: " + w);
        }
        if (w.isSingleKey()) {
            byKey.computeIfAbsent(w.key, k -> new LinkedHashSet<>()).add(w);
        } else {
            ranges.add(w.key, w.end, w);
        }
    }

    /** Removes {@code w}; returns whether it was in the group. */
    boolean remove(Watcher w) {
        if (!all.remove(w)) {
            return false;
        }
        if (w.isSingleKey()) {
            Set<Watcher> set = byKey.get(w.key);
            set.remove(w);
            if (set.isEmpty()) {
                byKey.remove(w.key);
            }
        } else {
            ranges.remove(w.key, w.end, w);
        }
        return true;
    }

    boolean contains(Watcher w) {
        return all.contains(w);
    }

    /** Whether some watcher of the group watches {@code key}. */
    boolean watches(ByteString key) {
        return byKey.containsKey(key) || ranges.contains(key);
    }

    /** Calls {@code out} for every watcher that watches {@code key} (each once). */
    void forEachMatch(ByteString key, Consumer<Watcher> out) {
        Set<Watcher> set = byKey.get(key);
        if (set != null) {
            set.forEach(out);
        }
        if (ranges.intervals() > 0) {
            ranges.stab(key, out);
        }
    }

    int size() {
        return all.size();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    /** The watchers in insertion order (a live view; do not modify the group while iterating it). */
    Collection<Watcher> all() {
        return Collections.unmodifiableSet(all);
    }
}
