package io.etch.storage;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.ResponseOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * A deliberately naive etcd KV model for property tests: key → every version ever written (never
 * physically compacted; compaction only moves the compact revision), each read a linear scan.
 * Requests are checked fully before anything changes, so no rollback is needed.
 */
final class ModelKv {
    /** One history entry; {@code kv == null} for a tombstone. */
    record Ver(long main, KeyValue kv) {
    }

    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    final TreeMap<ByteString, List<Ver>> history = new TreeMap<>(ORDER);
    long rev = 1;
    long compactMainRev = -1;
    LongPredicate leases = id -> false;

    private static ResponseHeader header(long rev) {
        return ResponseHeader.newBuilder().setRevision(rev).build();
    }

    /** The live KeyValue of {@code key} at revision {@code at}, or null. */
    KeyValue at(ByteString key, long at) {
        KeyValue found = null;
        for (Ver v : history.getOrDefault(key, List.of())) {
            if (v.main() <= at) {
                found = v.kv();
            }
        }
        return found;
    }

    static boolean inRange(ByteString k, ByteString key, ByteString end) {
        if (end.isEmpty()) {
            return k.equals(key);
        }
        boolean fromKey = end.size() == 1 && end.byteAt(0) == 0;
        return ORDER.compare(k, key) >= 0 && (fromKey || ORDER.compare(k, end) < 0);
    }

    List<KeyValue> visible(ByteString key, ByteString end, long at) {
        List<KeyValue> out = new ArrayList<>();
        for (Map.Entry<ByteString, List<Ver>> e : history.entrySet()) {
            KeyValue kv = inRange(e.getKey(), key, end) ? at(e.getKey(), at) : null;
            if (kv != null) {
                out.add(kv);
            }
        }
        return out;
    }

    // ---- requests, at the model's current revision ----

    RangeResponse range(RangeRequest r) {
        return range(r, rev);
    }

    private RangeResponse range(RangeRequest r, long cur) {
        long at = r.getRevision() <= 0 ? cur : r.getRevision();
        if (r.getRevision() > cur) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
        if (at < compactMainRev) {
            throw new EtcdException(EtcdError.COMPACTED);
        }
        List<KeyValue> kvs = visible(r.getKey(), r.getRangeEnd(), at);
        long count = kvs.size();
        if (r.getCountOnly()) {
            kvs = List.of();
        }
        List<KeyValue> kept = new ArrayList<>();
        for (KeyValue kv : kvs) {
            if ((r.getMaxModRevision() == 0 || kv.getModRevision() <= r.getMaxModRevision())
                    && (r.getMinModRevision() == 0 || kv.getModRevision() >= r.getMinModRevision())
                    && (r.getMaxCreateRevision() == 0 || kv.getCreateRevision() <= r.getMaxCreateRevision())
                    && (r.getMinCreateRevision() == 0 || kv.getCreateRevision() >= r.getMinCreateRevision())) {
                kept.add(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
            }
        }
        RangeRequest.SortOrder order = r.getSortOrder();
        if (order == RangeRequest.SortOrder.NONE && r.getSortTarget() != RangeRequest.SortTarget.KEY) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        if (order != RangeRequest.SortOrder.NONE) {
            Comparator<KeyValue> c = switch (r.getSortTarget()) {
                case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
                case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
                case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
                // sort on the value even when keys_only cleared it: look it up again
                case VALUE -> Comparator.comparing(kv -> at(kv.getKey(), at).getValue(), ORDER);
                default -> Comparator.comparing(KeyValue::getKey, ORDER);
            };
            kept.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
        }
        boolean more = r.getLimit() > 0 && kept.size() > r.getLimit();
        if (more) {
            kept = kept.subList(0, (int) r.getLimit());
        }
        return RangeResponse.newBuilder().setHeader(header(cur)).addAllKvs(kept).setCount(count).setMore(more)
                .build();
    }

    /** One writing request's context: all changes at {@code rev + 1}. */
    private final class Change {
        final long main = rev + 1;
        boolean changed;

        long cur() {
            return changed ? main : rev;
        }

        void record(ByteString key, KeyValue kv) {
            history.computeIfAbsent(key, k -> new ArrayList<>()).add(new Ver(main, kv));
            changed = true;
        }

        void end() {
            if (changed) {
                rev = main;
            }
        }
    }

    PutResponse put(PutRequest p) {
        if (p.getLease() != 0 && !leases.test(p.getLease())) {
            throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
        }
        checkIgnore(p);
        Change c = new Change();
        PutResponse r = put(c, p);
        c.end();
        return r;
    }

    private void checkIgnore(PutRequest p) {
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && at(p.getKey(), rev) == null) {
            throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
    }

    private PutResponse put(Change c, PutRequest p) {
        KeyValue prev = at(p.getKey(), Long.MAX_VALUE);
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw new EtcdException(EtcdError.KEY_NOT_FOUND);
        }
        KeyValue kv = KeyValue.newBuilder().setKey(p.getKey())
                .setValue(p.getIgnoreValue() ? prev.getValue() : p.getValue())
                .setLease(p.getIgnoreLease() ? prev.getLease() : p.getLease())
                .setCreateRevision(prev == null ? c.main : prev.getCreateRevision())
                .setVersion(prev == null ? 1 : prev.getVersion() + 1)
                .setModRevision(c.main).build();
        c.record(p.getKey(), kv);
        PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(c.main));
        if (p.getPrevKv() && prev != null) {
            b.setPrevKv(prev);
        }
        return b.build();
    }

    DeleteRangeResponse deleteRange(DeleteRangeRequest d) {
        Change c = new Change();
        DeleteRangeResponse r = delete(c, d);
        c.end();
        return r;
    }

    private DeleteRangeResponse delete(Change c, DeleteRangeRequest d) {
        List<KeyValue> live = visible(d.getKey(), d.getRangeEnd(), Long.MAX_VALUE);
        for (KeyValue kv : live) {
            c.record(kv.getKey(), null);
        }
        DeleteRangeResponse.Builder b = DeleteRangeResponse.newBuilder().setDeleted(live.size());
        if (d.getPrevKv()) {
            b.addAllPrevKvs(live);
        }
        return b.setHeader(header(c.cur())).build();
    }

    CompactionResponse compact(CompactionRequest r) {
        if (r.getRevision() <= compactMainRev) {
            throw new EtcdException(EtcdError.COMPACTED);
        }
        if (r.getRevision() > rev) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
        compactMainRev = r.getRevision();
        return CompactionResponse.newBuilder().setHeader(header(rev)).build();
    }

    TxnResponse txn(TxnRequest t) {
        List<Boolean> path = new ArrayList<>();
        decide(t, path);
        check(t, path, new int[] {0});
        // etcd panics when an op fails after the checks (e.g. ignore_value after a from-key delete, which
        // checkIntervals lets through); the store rejects the txn as a whole instead: roll back
        TreeMap<ByteString, List<Ver>> saved = new TreeMap<>(ORDER);
        history.forEach((k, v) -> saved.put(k, new ArrayList<>(v)));
        Change c = new Change();
        TxnResponse.Builder r;
        try {
            r = apply(c, t, path, new int[] {0});
        } catch (EtcdException e) {
            history.clear();
            history.putAll(saved);
            throw e;
        }
        c.end();
        return r.setHeader(header(rev)).build();
    }

    private void decide(TxnRequest t, List<Boolean> path) {
        boolean ok = t.getCompareList().stream().allMatch(this::holds);
        path.add(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                decide(op.getRequestTxn(), path);
            }
        }
    }

    private boolean holds(Compare c) {
        List<KeyValue> kvs = visible(c.getKey(), c.getRangeEnd(), rev);
        if (kvs.isEmpty()) {
            return c.getTarget() != Compare.CompareTarget.VALUE && TxnExecutor.compareKv(c, KeyValue.getDefaultInstance());
        }
        return kvs.stream().allMatch(kv -> TxnExecutor.compareKv(c, kv));
    }

    private void check(TxnRequest t, List<Boolean> path, int[] pos) {
        // etcd checks all puts of the path first, then all ranges; two passes
        checkPass(t, path, new int[] {pos[0]}, true);
        checkPass(t, path, pos, false);
    }

    private void checkPass(TxnRequest t, List<Boolean> path, int[] pos, boolean puts) {
        boolean ok = path.get(pos[0]++);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            if (op.hasRequestTxn()) {
                checkPass(op.getRequestTxn(), path, pos, puts);
            } else if (puts && op.hasRequestPut()) {
                checkIgnore(op.getRequestPut());
                if (op.getRequestPut().getLease() != 0 && !leases.test(op.getRequestPut().getLease())) {
                    throw new EtcdException(EtcdError.LEASE_NOT_FOUND);
                }
            } else if (!puts && op.hasRequestRange()) {
                long r = op.getRequestRange().getRevision();
                if (r != 0 && r > rev) {
                    throw new EtcdException(EtcdError.FUTURE_REV);
                }
                if (r != 0 && r < compactMainRev) {
                    throw new EtcdException(EtcdError.COMPACTED);
                }
            }
        }
    }

    private TxnResponse.Builder apply(Change c, TxnRequest t, List<Boolean> path, int[] pos) {
        boolean ok = path.get(pos[0]++);
        TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
        for (RequestOp op : ok ? t.getSuccessList() : t.getFailureList()) {
            ResponseOp.Builder r = ResponseOp.newBuilder();
            if (op.hasRequestRange()) {
                r.setResponseRange(range(op.getRequestRange(), c.cur()));
            } else if (op.hasRequestPut()) {
                r.setResponsePut(put(c, op.getRequestPut()));
            } else if (op.hasRequestDeleteRange()) {
                r.setResponseDeleteRange(delete(c, op.getRequestDeleteRange()));
            } else if (op.hasRequestTxn()) {
                r.setResponseTxn(apply(c, op.getRequestTxn(), path, pos).setHeader(ResponseHeader.getDefaultInstance()));
            }
            b.addResponses(r);
        }
        return b;
    }
}
