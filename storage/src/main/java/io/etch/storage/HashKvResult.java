package io.etch.storage;

/**
 * The result of {@link MvccStore#hashKv(long)}, the fields of etcd's {@code HashKVResponse}.
 *
 * @param hash CRC-32C (Castagnoli) of the key history up to the requested revision, as an unsigned
 *     32-bit value stored in an int (the proto field is uint32)
 * @param compactRevision the store's compact revision at the time of the hash, {@code -1} when the
 *     store was never compacted (like etcd's {@code HashKV})
 * @param revision the store's current revision at the time of the hash (for the response header)
 */
public record HashKvResult(int hash, long compactRevision, long revision) {
}
