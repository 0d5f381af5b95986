package io.etch.storage.lease;

/**
 * etcd's {@code lease.ErrNotPrimary}: the {@link Lessor} is secondary (this member does not lead, or
 * has just stopped leading), so the request must go to the leader. Never reaches a client as such.
 */
public final class NotPrimaryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotPrimaryException() {
        super("not a primary lessor", null, false, false);
    }
}
