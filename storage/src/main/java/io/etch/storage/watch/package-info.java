/**
 * etcd's watchable store ({@code mvcc/watchable_store.go}, {@code watcher.go}, {@code watcher_group.go}):
 * watchers on keys and ranges, fed from committed raft batches without ever blocking apply, with slow
 * watchers caught up from history.
 *
 * <p>Public surface: {@link io.etch.storage.watch.WatchableStore} (one per member),
 * {@link io.etch.storage.watch.WatchStream} (one per client stream), {@link io.etch.storage.watch.EventSource}
 * and {@link io.etch.storage.watch.WatchConfig}. Everything else is package-private.
 *
 * <p>Non-null by default: parameters and return values are never null unless the javadoc says so.
 */
package io.etch.storage.watch;
