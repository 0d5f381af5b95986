package io.etch.storage;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.ResponseOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongPredicate;

/**
 * One Txn request, as etcd's {@code applierV3backend.Txn} runs it: (1) evaluate the compares of the txn
 * and of every nested txn on the taken path against the state before the txn ({@code compareToPath}),
 * giving a pre-order list of branch choices; (2) check the chosen puts (ignore_* need an existing key,
 * leases must exist) and then the chosen ranges' revisions; (3) apply the chosen ops in order.
 */
final class TxnExecutor {
    private final RocksWriteTxn writer;
    private final RocksWriteTxn.Op op;
    private final KvReader reader;
    private final LongPredicate leases;
    private final long compactMainRev;
    private final List<Boolean> path = new ArrayList<>();

    TxnExecutor(RocksWriteTxn writer, RocksWriteTxn.Op op, KvReader reader, LongPredicate leases,
            long compactMainRev) {
        this.writer = writer;
        this.op = op;
        this.reader = reader;
        this.leases = leases;
        this.compactMainRev = compactMainRev;
    }

    TxnResponse execute(TxnRequest t) {
        long before = op.headerRev(); // nothing written yet: the revision before the txn
        compareToPath(t, before);
        walk(t, new int[] {0}, this::checkPut);
        walk(t, new int[] {0}, req -> checkRange(req, before));
        return apply(t, new int[] {0}).setHeader(RocksWriteTxn.header(op.headerRev())).build();
    }

    private void compareToPath(TxnRequest t, long atRev) {
        boolean ok = true;
        for (Compare c : t.getCompareList()) {
            if (!compare(c, atRev)) {
                ok = false;
                break;
            }
        }
        path.add(ok);
        for (RequestOp req : ok ? t.getSuccessList() : t.getFailureList()) {
            if (req.hasRequestTxn()) {
                compareToPath(req.getRequestTxn(), atRev);
            }
        }
    }

    /** Visits the non-txn ops of the taken branches in pre-order. */
    private void walk(TxnRequest t, int[] cursor, Consumer<RequestOp> check) {
        boolean ok = path.get(cursor[0]++);
        for (RequestOp req : ok ? t.getSuccessList() : t.getFailureList()) {
            if (req.hasRequestTxn()) {
                walk(req.getRequestTxn(), cursor, check);
            } else {
                check.accept(req);
            }
        }
    }

    private void checkPut(RequestOp req) {
        if (!req.hasRequestPut()) {
            return;
        }
        PutRequest p = req.getRequestPut();
        if (p.getIgnoreValue() || p.getIgnoreLease()) {
            IndexRecord rec = writer.index(p.getKey(), p.getKey().toByteArray());
            if (rec == null || rec.deleted()) {
                throw new EtcdException(EtcdError.KEY_NOT_FOUND);
            }
        }
        if (p.getLease() != 0 && !leases.test(p.getLease())) {
            throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
        }
    }

    /** etcd's checkRequestRange: note a negative revision below compactMainRev (-1 if never) fails too. */
    private void checkRange(RequestOp req, long currentRev) {
        if (!req.hasRequestRange()) {
            return;
        }
        RangeRequest r = req.getRequestRange();
        if (r.getRevision() == 0) {
            return;
        }
        if (r.getRevision() > currentRev) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
        if (r.getRevision() < compactMainRev) {
            throw new EtcdException(EtcdError.COMPACTED);
        }
    }

    private TxnResponse.Builder apply(TxnRequest t, int[] cursor) {
        boolean ok = path.get(cursor[0]++);
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
        for (RequestOp req : ok ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (req.getRequestCase()) {
                case REQUEST_RANGE -> r.setResponseRange(writer.doRange(op, req.getRequestRange()));
                case REQUEST_PUT -> r.setResponsePut(writer.doPut(op, req.getRequestPut()));
                case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(writer.doDelete(op, req.getRequestDeleteRange()));
                case REQUEST_TXN -> r.setResponseTxn(apply(req.getRequestTxn(), cursor)
                        .setHeader(ResponseHeader.getDefaultInstance()));
                default -> {
                    // an empty op (rejected by the validator): empty response, like etcd's nil entry
                }
            }
            resp.addResponses(r);
        }
        return resp;
    }

    /** etcd's applyCompare: every key in the range must satisfy; no key → zero KeyValue, VALUE fails. */
    private boolean compare(Compare c, long atRev) {
        List<KeyValue> kvs = reader.rangeKeys(KeyRange.of(c.getKey(), c.getRangeEnd()), atRev, 0, false).kvs();
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && compareKv(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!compareKv(c, kv)) {
                return false;
            }
        }
        return true;
    }

    /** etcd's compareKV: a target union of the wrong kind compares against zero / empty. */
    static boolean compareKv(Compare c, KeyValue kv) {
        Compare.TargetUnionCase u = c.getTargetUnionCase();
        int result = switch (c.getTarget()) {
            case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(),
                    u == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY);
            case CREATE -> Long.compare(kv.getCreateRevision(),
                    u == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case MOD -> Long.compare(kv.getModRevision(),
                    u == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case VERSION -> Long.compare(kv.getVersion(), u == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case LEASE -> Long.compare(kv.getLease(), u == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
            default -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            default -> true;
        };
    }
}
