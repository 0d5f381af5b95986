package io.etch.storage.watch;

import io.etch.storage.MvccStore;
import java.util.function.Function;

/**
 * Where a {@link WatchableStore} reads the current revision, the compact revision and history: the
 * member's store, possibly replaced by a raft snapshot between two reads (the raft module's
 * {@code StoreHolder::read} fits this interface).
 */
public interface EventSource {
    /** Runs {@code body} against the current store and returns its result; thread-safe. */
    <T> T read(Function<MvccStore, T> body);

    /** A source over one store that is never replaced. */
    static EventSource of(MvccStore store) {
        return new EventSource() {
            @Override
            public <T> T read(Function<MvccStore, T> body) {
                return body.apply(store);
            }
        };
    }
}
