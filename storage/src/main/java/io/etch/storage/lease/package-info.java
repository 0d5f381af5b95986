/**
 * Leases (etcd {@code lease/lessor.go}): the persisted lease record, the limits etcd puts on TTLs, lease
 * ID generation, and the in-memory {@link io.etch.storage.lease.Lessor} that keeps expiry deadlines on
 * the leader (primary) and none on followers (secondary).
 *
 * <p>The persisted side (the {@code lease} and {@code leasekeys} column families, grant, revoke,
 * attach/detach of keys) lives in {@link io.etch.storage.WriteTxn} and {@link io.etch.storage.MvccStore}
 * because a revoke must delete the attached keys in the same atomic batch. Nothing in this package reads
 * the store or the network; the clock is always injected.
 *
 * <p>Non-null by default: parameters and return values are never null unless the javadoc says so.
 */
package io.etch.storage.lease;
