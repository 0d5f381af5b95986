package io.etch.server.concurrency;

import io.etch.server.api.KvService;
import io.etch.server.api.LeaseService;
import io.etch.storage.watch.WatchableStore;

/**
 * The {@code v3lockpb.Lock} and {@code v3electionpb.Election} services of one member, built on the
 * member's own KV, Lease and watch services (as etcd builds them on its in-process client).
 *
 * @param lock the Lock service
 * @param election the Election service
 */
public record ConcurrencyServices(LockService lock, ElectionService election) {
    /** Builds both services over the member's KV and Lease services and its watchable store. */
    public static ConcurrencyServices create(KvService kv, LeaseService lease, WatchableStore watchable) {
        LocalClient client = new LocalClient(kv, lease, watchable);
        return new ConcurrencyServices(new LockService(client), new ElectionService(client));
    }
}
