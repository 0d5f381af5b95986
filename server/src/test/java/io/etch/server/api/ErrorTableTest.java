package io.etch.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Codes and messages exactly as etcd 3.4's rpctypes (reference §3.10). */
class ErrorTableTest {
    private static void expect(EtcdError e, Status.Code code, String message) {
        Status s = ErrorTable.status(e);
        assertThat(s.getCode()).as(e.name()).isEqualTo(code);
        assertThat(s.getDescription()).isEqualTo(message);
    }

    @Test
    void matchesEtcd() {
        expect(EtcdError.KEY_NOT_PROVIDED, Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        expect(EtcdError.DUPLICATE_KEY, Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
        expect(EtcdError.TOO_MANY_OPS, Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request");
        expect(EtcdError.REQUEST_TOO_LARGE, Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");
        expect(EtcdError.COMPACTED, Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
        expect(EtcdError.FUTURE_REV, Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
        expect(EtcdError.LEASE_NOT_FOUND, Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
        expect(EtcdError.LEASE_EXIST, Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
        expect(EtcdError.LEASE_TTL_TOO_LARGE, Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
        expect(EtcdError.NO_LEADER, Status.Code.UNAVAILABLE, "etcdserver: no leader");
        expect(EtcdError.TIMEOUT, Status.Code.UNAVAILABLE, "etcdserver: request timed out");
        expect(EtcdError.NO_SPACE, Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded");
        expect(EtcdError.TOO_MANY_REQUESTS, Status.Code.UNKNOWN, "etcdserver: too many requests");
        expect(EtcdError.WATCH_CANCELED, Status.Code.CANCELLED, "etcdserver: watch canceled");
    }

    @Test
    void unwrapsAsyncFailures() {
        StatusRuntimeException s = ErrorTable.toStatus(new CompletionException(new EtcdException(EtcdError.STOPPED)));
        assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(s.getStatus().getDescription()).isEqualTo("etcdserver: server stopped");
        assertThat(ErrorTable.toStatus(new IllegalStateException("boom")).getStatus().getCode())
                .isEqualTo(Status.Code.UNKNOWN);
    }
}
