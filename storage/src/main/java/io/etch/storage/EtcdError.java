package io.etch.storage;

/**
 * Every error an etcd client can see, by name. Code inside Etch throws {@link EtcdException} with one of
 * these; the API edge (server module, {@code ErrorTable}) is the one place that maps each to etcd's exact
 * gRPC status code and message ({@code etcdserver/api/v3rpc/rpctypes/error.go}, reference §3.10).
 *
 * <p>The etcd message of each constant is kept here too so that the table and the forwarding path can
 * never disagree on the text; the gRPC code lives only in the edge table.
 */
public enum EtcdError {
    KEY_NOT_PROVIDED("etcdserver: key is not provided"),
    KEY_NOT_FOUND("etcdserver: key not found"),
    VALUE_PROVIDED("etcdserver: value is provided"),
    LEASE_PROVIDED("etcdserver: lease is provided"),
    TOO_MANY_OPS("etcdserver: too many operations in txn request"),
    DUPLICATE_KEY("etcdserver: duplicate key given in txn request"),
    REQUEST_TOO_LARGE("etcdserver: request is too large"),
    COMPACTED("etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REV("etcdserver: mvcc: required revision is a future revision"),
    NO_SPACE("etcdserver: mvcc: database space exceeded"),
    LEASE_NOT_FOUND("etcdserver: requested lease not found"),
    LEASE_EXIST("etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE("etcdserver: too large lease TTL"),
    MEMBER_NOT_FOUND("etcdserver: member not found"),
    NO_LEADER("etcdserver: no leader"),
    NOT_LEADER("etcdserver: not leader"),
    LEADER_CHANGED("etcdserver: leader changed"),
    STOPPED("etcdserver: server stopped"),
    TIMEOUT("etcdserver: request timed out"),
    TIMEOUT_DUE_TO_LEADER_FAIL("etcdserver: request timed out, possibly due to previous leader failure"),
    TIMEOUT_DUE_TO_CONNECTION_LOST("etcdserver: request timed out, possibly due to connection lost"),
    TIMEOUT_WAIT_APPLIED_INDEX("etcdserver: request timed out, waiting for the applied index took too long"),
    TOO_MANY_REQUESTS("etcdserver: too many requests"),
    UNHEALTHY("etcdserver: unhealthy cluster"),
    WATCH_CANCELED("etcdserver: watch canceled"),
    NOT_CAPABLE("etcdserver: not capable");

    private final String message;

    EtcdError(String message) {
        this.message = message;
    }

    /** etcd's exact message text for this error, as clients match it (never null). */
    public String message() {
        return message;
    }
}
