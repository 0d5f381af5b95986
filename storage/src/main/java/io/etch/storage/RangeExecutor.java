package io.etch.storage;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's Range request semantics ({@code etcdserver/apply.go} Range over {@code mvcc} rangeKeys): the
 * revision checks, fetch-all when sorting or filtering, min/max filters, stable sort, limit/more,
 * keys_only and count_only. Pure apart from the reader.
 */
final class RangeExecutor {
    private RangeExecutor() {
    }

    /**
     * @param curRev the revision the read is at (header revision; the default revision)
     * @param compactMainRev etcd's compactMainRev (-1 when never compacted)
     */
    static RangeResponse range(KvReader reader, RangeRequest r, long curRev, long compactMainRev) {
        long rev = r.getRevision();
        if (rev > curRev) {
            throw new EtcdException(EtcdError.FUTURE_REV);
        }
        if (rev <= 0) {
            rev = curRev;
        }
        if (rev < compactMainRev) {
            throw new EtcdException(EtcdError.COMPACTED);
        }
        boolean fetchAll = r.getSortOrder() != RangeRequest.SortOrder.NONE
                || r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        long fetchLimit = fetchAll || r.getLimit() <= 0 ? 0 : r.getLimit() + 1;
        KvReader.Result rr = reader.rangeKeys(KeyRange.of(r.getKey(), r.getRangeEnd()), rev, fetchLimit,
                r.getCountOnly());
        List<KeyValue> kvs = new ArrayList<>(rr.kvs());
        if (r.getMaxModRevision() != 0) {
            kvs.removeIf(kv -> kv.getModRevision() > r.getMaxModRevision());
        }
        if (r.getMinModRevision() != 0) {
            kvs.removeIf(kv -> kv.getModRevision() < r.getMinModRevision());
        }
        if (r.getMaxCreateRevision() != 0) {
            kvs.removeIf(kv -> kv.getCreateRevision() > r.getMaxCreateRevision());
        }
        if (r.getMinCreateRevision() != 0) {
            kvs.removeIf(kv -> kv.getCreateRevision() < r.getMinCreateRevision());
        }
        RangeRequest.SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        if (order == RangeRequest.SortOrder.ASCEND) {
            kvs.sort(comparator(r.getSortTarget()));
        } else if (order == RangeRequest.SortOrder.DESCEND) {
            kvs.sort(comparator(r.getSortTarget()).reversed());
        }
        boolean more = false;
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            kvs = kvs.subList(0, (int) r.getLimit());
            more = true;
        }
        RangeResponse.Builder b = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(curRev))
                .setCount(rr.count())
                .setMore(more);
        for (KeyValue kv : kvs) {
            b.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
        }
        return b.build();
    }

    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        return switch (target) {
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> Comparator.comparing(KeyValue::getValue, ByteString.unsignedLexicographicalComparator());
            default -> Comparator.comparing(KeyValue::getKey, ByteString.unsignedLexicographicalComparator());
        };
    }
}
