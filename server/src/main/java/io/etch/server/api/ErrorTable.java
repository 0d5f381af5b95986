package io.etch.server.api;

import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one exception → gRPC status table at the API edge (etcd
 * {@code etcdserver/api/v3rpc/rpctypes/error.go} and {@code v3rpc/util.go toGRPCErrorMap}; reference §3.10).
 * Codes and messages are etcd's, byte for byte; clients match errors by message.
 */
public final class ErrorTable {
    private static final Map<EtcdError, Status.Code> CODES = new EnumMap<>(EtcdError.class);

    static {
        for (EtcdError e : new EtcdError[] {EtcdError.KEY_NOT_PROVIDED, EtcdError.KEY_NOT_FOUND,
            EtcdError.VALUE_PROVIDED, EtcdError.LEASE_PROVIDED, EtcdError.TOO_MANY_OPS, EtcdError.DUPLICATE_KEY,
            EtcdError.REQUEST_TOO_LARGE}) {
            CODES.put(e, Status.Code.INVALID_ARGUMENT);
        }
        CODES.put(EtcdError.COMPACTED, Status.Code.OUT_OF_RANGE);
        CODES.put(EtcdError.FUTURE_REV, Status.Code.OUT_OF_RANGE);
        CODES.put(EtcdError.LEASE_TTL_TOO_LARGE, Status.Code.OUT_OF_RANGE);
        CODES.put(EtcdError.NO_SPACE, Status.Code.RESOURCE_EXHAUSTED);
        // etcd maps these two to the client-side error type, so they reach clients as Unknown.
        CODES.put(EtcdError.TOO_MANY_REQUESTS, Status.Code.UNKNOWN);
        CODES.put(EtcdError.LEASE_NOT_FOUND, Status.Code.NOT_FOUND);
        CODES.put(EtcdError.MEMBER_NOT_FOUND, Status.Code.NOT_FOUND);
        CODES.put(EtcdError.LEASE_EXIST, Status.Code.FAILED_PRECONDITION);
        CODES.put(EtcdError.NOT_LEADER, Status.Code.FAILED_PRECONDITION);
        CODES.put(EtcdError.WATCH_CANCELED, Status.Code.CANCELLED);
        for (EtcdError e : new EtcdError[] {EtcdError.NO_LEADER, EtcdError.LEADER_CHANGED, EtcdError.NOT_CAPABLE,
            EtcdError.STOPPED, EtcdError.TIMEOUT, EtcdError.TIMEOUT_DUE_TO_LEADER_FAIL,
            EtcdError.TIMEOUT_DUE_TO_CONNECTION_LOST, EtcdError.TIMEOUT_WAIT_APPLIED_INDEX, EtcdError.UNHEALTHY}) {
            CODES.put(e, Status.Code.UNAVAILABLE);
        }
        for (EtcdError e : EtcdError.values()) {
            if (!CODES.containsKey(e)) {
                throw new ExceptionInInitializerError("no gRPC code for " + e);
            }
        }
    }

    private ErrorTable() {
    }

    /** The gRPC status a client sees for {@code error}. */
    public static Status status(EtcdError error) {
        return Status.fromCode(CODES.get(error)).withDescription(error.message());
    }

    /**
     * Maps any failure to the status the client sees: etcd errors by the table, gRPC statuses as they
     * are, anything else as {@code Unknown} with its message.
     */
    public static StatusRuntimeException toStatus(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof EtcdException e) {
            return status(e.error()).asRuntimeException();
        }
        if (c instanceof StatusRuntimeException sre) {
            return sre;
        }
        return Status.UNKNOWN.withDescription(String.valueOf(c.getMessage())).withCause(c).asRuntimeException();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
