package io.etch.storage;

import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks etcd's KV service runs on a request before proposing it ({@code etcdserver/api/v3rpc/key.go}:
 * {@code checkRangeRequest}, {@code checkPutRequest}, {@code checkDeleteRequest}, {@code checkTxnRequest},
 * {@code checkIntervals}). Pure static functions; thread-safe. Each throws {@link EtcdException} on the
 * first violation and returns normally otherwise.
 */
public final class KvRequestValidator {
    private KvRequestValidator() {
    }

    /** @throws EtcdException KEY_NOT_PROVIDED when the key is empty */
    public static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.KEY_NOT_PROVIDED);
        }
    }

    /**
     * @throws EtcdException KEY_NOT_PROVIDED (empty key), VALUE_PROVIDED (ignore_value with a value),
     *     LEASE_PROVIDED (ignore_lease with a lease), in that order
     */
    public static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.KEY_NOT_PROVIDED);
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw new EtcdException(EtcdError.VALUE_PROVIDED);
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw new EtcdException(EtcdError.LEASE_PROVIDED);
        }
    }

    /** @throws EtcdException KEY_NOT_PROVIDED when the key is empty */
    public static void checkDeleteRange(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw new EtcdException(EtcdError.KEY_NOT_PROVIDED);
        }
    }

    /**
     * etcd's Txn checks, in etcd's order: TOO_MANY_OPS when {@code max(len(compare), len(success),
     * len(failure)) > maxTxnOps} (a nested txn gets the budget {@code maxTxnOps - that max});
     * KEY_NOT_PROVIDED for a compare with an empty key; each op checked like its standalone request, an
     * empty op giving KEY_NOT_FOUND; then DUPLICATE_KEY when, within the success branch or within the
     * failure branch, a put key equals another put key or falls in a delete range, looking through
     * nested txns (a nested txn's then/else branches may put the same key). Like etcd, a from-key delete
     * ({@code range_end "\0"}) or a delete whose end is {@code <=} its key never conflicts.
     *
     * @param maxTxnOps the server's {@code --max-txn-ops} (etcd default 128)
     */
    public static void checkTxn(TxnRequest r, int maxTxnOps) {
        checkTxnRequest(r, maxTxnOps);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private static void checkTxnRequest(TxnRequest r, int maxTxnOps) {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) {
            throw new EtcdException(EtcdError.TOO_MANY_OPS);
        }
        for (var c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw new EtcdException(EtcdError.KEY_NOT_PROVIDED);
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
        for (RequestOp op : r.getFailureList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
    }

    private static void checkRequestOp(RequestOp op, int maxTxnOps) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDeleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnRequest(op.getRequestTxn(), maxTxnOps);
            default -> throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
    }

    /** A delete interval {@code [begin, end)} in etcd's adt string-affine order (end never "infinite" here). */
    private record Interval(byte[] begin, byte[] end) {
        boolean containsPoint(byte[] k) {
            // adt overlap of [begin,end) with the point interval [k, k+"\0"): begin < k\0 && k < end
            return KeyRange.compare(begin, pointEnd(k)) < 0 && KeyRange.compare(k, end) < 0;
        }
    }

    private static byte[] pointEnd(byte[] k) {
        byte[] e = new byte[k.length + 1];
        System.arraycopy(k, 0, e, 0, k.length);
        return e;
    }

    private record Found(Set<ByteString> puts, List<Interval> dels) {
        boolean deleted(ByteString k) {
            byte[] b = k.toByteArray();
            for (Interval iv : dels) {
                if (iv.containsPoint(b)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Found checkIntervals(List<RequestOp> reqs) {
        List<Interval> dels = new ArrayList<>();
        for (RequestOp op : reqs) {
            if (op.hasRequestDeleteRange()) {
                DeleteRangeRequest d = op.getRequestDeleteRange();
                byte[] k = d.getKey().toByteArray();
                byte[] end = d.getRangeEnd().isEmpty() ? pointEnd(k) : d.getRangeEnd().toByteArray();
                dels.add(new Interval(k, end));
            }
        }
        Found found = new Found(new HashSet<>(), dels);
        for (RequestOp op : reqs) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            Found then = checkIntervals(op.getRequestTxn().getSuccessList());
            Found otherwise = checkIntervals(op.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (found.puts().contains(k) || found.deleted(k)) {
                    throw new EtcdException(EtcdError.DUPLICATE_KEY);
                }
                found.puts().add(k);
            }
            for (ByteString k : otherwise.puts()) {
                if (found.puts().contains(k) && !then.puts().contains(k)) {
                    throw new EtcdException(EtcdError.DUPLICATE_KEY);
                }
                if (found.deleted(k)) {
                    throw new EtcdException(EtcdError.DUPLICATE_KEY);
                }
                found.puts().add(k);
            }
            dels.addAll(then.dels());
            dels.addAll(otherwise.dels());
        }
        for (RequestOp op : reqs) {
            if (!op.hasRequestPut()) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (found.puts().contains(k) || found.deleted(k)) {
                throw new EtcdException(EtcdError.DUPLICATE_KEY);
            }
            found.puts().add(k);
        }
        return found;
    }
}
