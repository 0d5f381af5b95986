package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KvRequestValidatorTest {
    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static RequestOp put(String k) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k))).build();
    }

    static RequestOp del(String k, String end) {
        return RequestOp.newBuilder().setRequestDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end))).build();
    }

    static RequestOp get(String k) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(k))).build();
    }

    static RequestOp txn(List<RequestOp> then, List<RequestOp> otherwise) {
        return RequestOp.newBuilder().setRequestTxn(
                TxnRequest.newBuilder().addAllSuccess(then).addAllFailure(otherwise)).build();
    }

    static TxnRequest then(RequestOp... ops) {
        return TxnRequest.newBuilder().addAllSuccess(List.of(ops)).build();
    }

    @Test
    void standaloneChecks() {
        assertThatThrownBy(() -> KvRequestValidator.checkRange(RangeRequest.getDefaultInstance()))
                .hasMessage(EtcdError.KEY_NOT_PROVIDED.message());
        assertThatThrownBy(() -> KvRequestValidator.checkDeleteRange(DeleteRangeRequest.getDefaultInstance()))
                .hasMessage(EtcdError.KEY_NOT_PROVIDED.message());
        assertThatThrownBy(() -> KvRequestValidator.checkPut(PutRequest.getDefaultInstance()))
                .hasMessage(EtcdError.KEY_NOT_PROVIDED.message());
        assertThatThrownBy(() -> KvRequestValidator.checkPut(
                PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).setValue(b("v")).build()))
                .hasMessage(EtcdError.VALUE_PROVIDED.message());
        assertThatThrownBy(() -> KvRequestValidator.checkPut(
                PutRequest.newBuilder().setKey(b("k")).setIgnoreLease(true).setLease(5).build()))
                .hasMessage(EtcdError.LEASE_PROVIDED.message());
        assertThatCode(() -> KvRequestValidator.checkPut(
                PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).setIgnoreLease(true).build()))
                .doesNotThrowAnyException();
    }

    static Stream<Arguments> txns() {
        Compare emptyKey = Compare.newBuilder().build();
        Compare ok = Compare.newBuilder().setKey(b("a")).build();
        TxnRequest.Builder big = TxnRequest.newBuilder();
        for (int i = 0; i < 129; i++) {
            big.addSuccess(get("k" + i));
        }
        TxnRequest.Builder limit = TxnRequest.newBuilder();
        for (int i = 0; i < 128; i++) {
            limit.addSuccess(put("k" + i));
        }
        return Stream.of(
                Arguments.of("empty txn", TxnRequest.getDefaultInstance(), null),
                Arguments.of("129 ops", big.build(), EtcdError.TOO_MANY_OPS),
                Arguments.of("128 ops", limit.build(), null),
                Arguments.of("compare without key", TxnRequest.newBuilder().addCompare(emptyKey).build(),
                        EtcdError.KEY_NOT_PROVIDED),
                Arguments.of("compare with key", TxnRequest.newBuilder().addCompare(ok).build(), null),
                Arguments.of("empty op", TxnRequest.newBuilder().addFailure(RequestOp.getDefaultInstance()).build(),
                        EtcdError.KEY_NOT_FOUND),
                Arguments.of("op with empty key", then(get("")), EtcdError.KEY_NOT_PROVIDED),
                Arguments.of("nested empty compare", then(RequestOp.newBuilder().setRequestTxn(
                        TxnRequest.newBuilder().addCompare(emptyKey)).build()), EtcdError.KEY_NOT_PROVIDED),
                Arguments.of("two puts same key", then(put("a"), put("a")), EtcdError.DUPLICATE_KEY),
                Arguments.of("two puts other keys", then(put("a"), put("b")), null),
                Arguments.of("put in delete range", then(del("a", "c"), put("b")), EtcdError.DUPLICATE_KEY),
                Arguments.of("put after delete end", then(del("a", "c"), put("c")), null),
                Arguments.of("put and single delete", then(put("a"), del("a", "")), EtcdError.DUPLICATE_KEY),
                Arguments.of("from-key delete never conflicts (etcd quirk)", then(del("a", "\0"), put("b")), null),
                Arguments.of("two deletes overlap", then(del("a", "c"), del("b", "d")), null),
                Arguments.of("put and get", then(put("a"), get("a")), null),
                Arguments.of("nested put vs outer put", then(put("a"), txn(List.of(put("a")), List.of())),
                        EtcdError.DUPLICATE_KEY),
                Arguments.of("nested then/else same key", then(txn(List.of(put("a")), List.of(put("a")))), null),
                Arguments.of("two nested txns same key", then(txn(List.of(put("a")), List.of()),
                        txn(List.of(put("a")), List.of())), EtcdError.DUPLICATE_KEY),
                Arguments.of("nested put vs outer delete", then(del("a", "b"), txn(List.of(), List.of(put("a")))),
                        EtcdError.DUPLICATE_KEY),
                Arguments.of("nested delete vs outer put", then(put("a"), txn(List.of(del("a", "")), List.of())),
                        EtcdError.DUPLICATE_KEY),
                Arguments.of("else put vs earlier nested then put", then(txn(List.of(put("a")), List.of()),
                        txn(List.of(), List.of(put("a")))), EtcdError.DUPLICATE_KEY),
                Arguments.of("success and failure branches separate",
                        TxnRequest.newBuilder().addSuccess(put("a")).addFailure(put("a")).build(), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("txns")
    void txnChecks(String name, TxnRequest txn, EtcdError expected) {
        if (expected == null) {
            assertThatCode(() -> KvRequestValidator.checkTxn(txn, 128)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> KvRequestValidator.checkTxn(txn, 128))
                    .isInstanceOfSatisfying(EtcdException.class, e -> org.assertj.core.api.Assertions
                            .assertThat(e.error()).isEqualTo(expected));
        }
    }
}
