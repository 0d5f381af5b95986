package io.etch.storage;

/**
 * An error that reaches the client as etcd's exact gRPC status. Thrown anywhere below the API edge;
 * mapped to a status only by the server's {@code ErrorTable}.
 */
public final class EtcdException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final EtcdError error;

    /** @param error which etcd error this is (non-null) */
    public EtcdException(EtcdError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    /** The etcd error (non-null). */
    public EtcdError error() {
        return error;
    }
}
