package io.etch.storage;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.util.List;

/** Request builders for tests. */
final class Req {
    private Req() {
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build();
    }

    static RangeRequest get(String k) {
        return RangeRequest.newBuilder().setKey(b(k)).build();
    }

    static RangeRequest range(String k, String end) {
        return RangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).build();
    }

    static DeleteRangeRequest del(String k, String end) {
        return DeleteRangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).build();
    }

    static CompactionRequest compact(long rev) {
        return CompactionRequest.newBuilder().setRevision(rev).build();
    }

    static RequestOp op(PutRequest p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    static RequestOp op(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static RequestOp op(DeleteRangeRequest d) {
        return RequestOp.newBuilder().setRequestDeleteRange(d).build();
    }

    static RequestOp op(TxnRequest t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    static TxnRequest txn(List<Compare> compares, List<RequestOp> success, List<RequestOp> failure) {
        return TxnRequest.newBuilder().addAllCompare(compares).addAllSuccess(success).addAllFailure(failure).build();
    }

    static Compare cmpValue(String k, Compare.CompareResult result, String v) {
        return Compare.newBuilder().setKey(b(k)).setTarget(Compare.CompareTarget.VALUE).setResult(result)
                .setValue(b(v)).build();
    }

    static Compare cmpVersion(String k, Compare.CompareResult result, long v) {
        return Compare.newBuilder().setKey(b(k)).setTarget(Compare.CompareTarget.VERSION).setResult(result)
                .setVersion(v).build();
    }
}
