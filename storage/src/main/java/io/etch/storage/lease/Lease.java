package io.etch.storage.lease;

/**
 * A granted lease as persisted: etcd's {@code leasepb.Lease{ID, TTL}} in the {@code lease} bucket.
 *
 * @param id the lease ID, non-zero (clients see it as {@code %016x})
 * @param ttlSeconds the granted TTL in seconds, after raising it to the minimum
 */
public record Lease(long id, long ttlSeconds) {
}
