package io.etch.storage.lease;

/**
 * Told about lease grants and revokes once they are committed to the store, in the order they were
 * applied. Called on the store's writer thread (the raft apply thread) right after the commit; must
 * return quickly and not write to the store.
 */
public interface LeaseListener {
    /** A lease was granted (the TTL is the stored one, after raising it to the minimum). */
    void granted(Lease lease);

    /** A lease was revoked (explicitly or on expiry); its keys are gone. */
    void revoked(long id);
}
