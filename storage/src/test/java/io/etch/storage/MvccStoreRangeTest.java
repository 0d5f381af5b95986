package io.etch.storage;

import static io.etch.storage.Req.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeRequest.SortOrder;
import io.etch.api.etcdserverpb.RangeRequest.SortTarget;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Range semantics (reference §3.3, §3.4) and compares (§3.5) over one fixed history:
 * <pre>
 *   rev 2 put a=3      rev 3 put b=1      rev 4 put c=2     rev 5 put a=1 (a: create 2, version 2)
 *   rev 6 put d=9      rev 7 delete d     rev 8 put "\xff"=0
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MvccStoreRangeTest {
    StoreFixture f;

    @BeforeAll
    void fill(@TempDir Path dir) throws IOException {
        f = new StoreFixture(dir);
        f.put("a", "3");
        f.put("b", "1");
        f.put("c", "2");
        f.put("a", "1");
        f.put("d", "9");
        f.del("d", "");
        f.put(io.etch.api.etcdserverpb.PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {(byte) 0xff}))
                .setValue(b("0")).build());
    }

    @AfterAll
    void close() {
        f.close();
    }

    static String keys(RangeResponse r) {
        return r.getKvsList().stream().map(kv -> kv.getKey().byteAt(0) == (byte) 0xff ? "FF"
                : kv.getKey().toStringUtf8()).collect(Collectors.joining(","));
    }

    @ParameterizedTest(name = "[{0},{1}) @{2} → {3} count={4}")
    @CsvSource(delimiter = '|', value = {
        // key | range_end | revision | keys | count
        "a | | 0 | a | 1",
        "zz | | 0 | '' | 0",
        "a | c | 0 | a,b | 2",
        "a | NUL | 0 | a,b,c,FF | 4",
        "NUL | NUL | 0 | a,b,c,FF | 4",
        "c | a | 0 | '' | 0",
        "b | b | 0 | '' | 0",
        "a | NUL | 4 | a,b,c | 3",
        "a | | 4 | a | 1",
        "d | | 6 | d | 1",
        "d | | 7 | '' | 0",
        "a | NUL | 2 | a | 1",
        "a | NUL | 1 | '' | 0",
        "a | NUL | -5 | a,b,c,FF | 4",
    })
    void rangeShapesAndRevisions(String key, String end, long revision, String expected, long count) {
        // NUL stands for the byte 0 (the CSV parser trims a literal one away)
        RangeRequest r = RangeRequest.newBuilder().setKey(b(key.replace("NUL", "\0")))
                .setRangeEnd(b(end == null ? "" : end.replace("NUL", "\0"))).setRevision(revision).build();
        RangeResponse resp = f.store.range(r);
        assertThat(keys(resp)).isEqualTo(expected);
        assertThat(resp.getCount()).isEqualTo(count);
        assertThat(resp.getHeader().getRevision()).isEqualTo(8); // always the current revision
    }

    @Test
    void historicalValues() {
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(4).build()).getKvs(0))
                .isEqualTo(KeyValue.newBuilder().setKey(b("a")).setValue(b("3")).setCreateRevision(2)
                        .setModRevision(2).setVersion(1).build());
    }

    @Test
    void futureRevision() {
        assertThatThrownBy(() -> f.store.range(Req.get("a").toBuilder().setRevision(9).build()))
                .hasMessage(EtcdError.FUTURE_REV.message());
    }

    @Test
    void limitMoreAndCountBeforeLimit() {
        RangeResponse r = f.store.range(Req.range("a", "\0").toBuilder().setLimit(2).build());
        assertThat(keys(r)).isEqualTo("a,b");
        assertThat(r.getMore()).isTrue();
        assertThat(r.getCount()).isEqualTo(4);
        RangeResponse all = f.store.range(Req.range("a", "\0").toBuilder().setLimit(4).build());
        assertThat(all.getMore()).isFalse();
        assertThat(all.getKvsCount()).isEqualTo(4);
    }

    @ParameterizedTest(name = "sort {0} {1} limit {2} → {3}")
    @CsvSource({
        "NONE, KEY, 0, 'a,b,c,FF'",
        "DESCEND, KEY, 0, 'FF,c,b,a'",
        "NONE, VALUE, 0, 'FF,a,b,c'", // target != KEY with NONE → ASCEND; values 0,1,1,2: stable on key
        "ASCEND, VALUE, 0, 'FF,a,b,c'",
        "DESCEND, VALUE, 0, 'c,a,b,FF'", // ties keep key order
        "ASCEND, MOD, 0, 'b,c,a,FF'",
        "DESCEND, CREATE, 2, 'FF,c'",
        "ASCEND, VERSION, 0, 'b,c,FF,a'",
        "DESCEND, VERSION, 1, 'a'",
    })
    void sorting(SortOrder order, SortTarget target, long limit, String expected) {
        RangeResponse r = f.store.range(Req.range("a", "\0").toBuilder().setSortOrder(order)
                .setSortTarget(target).setLimit(limit).build());
        assertThat(keys(r)).isEqualTo(expected);
        assertThat(r.getCount()).isEqualTo(4);
        assertThat(r.getMore()).isEqualTo(limit > 0 && limit < 4);
    }

    @Test
    void filtersApplyBeforeLimitAndDoNotChangeCount() {
        RangeResponse r = f.store.range(Req.range("a", "\0").toBuilder().setMinModRevision(3)
                .setMaxModRevision(5).setLimit(1).build());
        assertThat(keys(r)).isEqualTo("a"); // mod revisions a5 b3 c4 FF8: a,b,c kept, key order, limit 1
        assertThat(r.getMore()).isTrue();
        assertThat(r.getCount()).isEqualTo(4);
        RangeResponse c = f.store.range(Req.range("a", "\0").toBuilder().setMinCreateRevision(3)
                .setMaxCreateRevision(4).build());
        assertThat(keys(c)).isEqualTo("b,c");
    }

    @Test
    void keysOnlyAndCountOnly() {
        RangeResponse k = f.store.range(Req.range("a", "c").toBuilder().setKeysOnly(true).build());
        assertThat(k.getKvsList()).allMatch(kv -> kv.getValue().isEmpty());
        assertThat(k.getKvs(0).getModRevision()).isEqualTo(5);
        RangeResponse c = f.store.range(Req.range("a", "\0").toBuilder().setCountOnly(true).setLimit(1).build());
        assertThat(c.getKvsList()).isEmpty();
        assertThat(c.getCount()).isEqualTo(4);
        assertThat(c.getMore()).isFalse();
    }

    @Test
    void emptyKeyDoesNotCrash() {
        assertThat(f.store.range(RangeRequest.getDefaultInstance()).getCount()).isZero();
    }

    /** etcd's compareKV / applyCompare table. Keys: a (value 1, version 2, create 2, mod 5), zz missing. */
    @ParameterizedTest(name = "{0} {1} {2} {3} → {4}")
    @CsvSource({
        "a, VALUE, EQUAL, 1, true",
        "a, VALUE, NOT_EQUAL, 1, false",
        "a, VALUE, GREATER, 0, true",
        "a, VALUE, LESS, 2, true",
        "zz, VALUE, NOT_EQUAL, x, false", // missing key: VALUE compare is always false
        "zz, VALUE, EQUAL, '', false",
        "a, VERSION, EQUAL, 2, true",
        "a, VERSION, GREATER, 1, true",
        "zz, VERSION, EQUAL, 0, true", // missing key compares as zero
        "zz, CREATE, EQUAL, 0, true",
        "zz, MOD, LESS, 1, true",
        "zz, LEASE, EQUAL, 0, true",
        "a, CREATE, EQUAL, 2, true",
        "a, MOD, EQUAL, 5, true",
        "a, MOD, LESS, 5, false",
        "a, LEASE, EQUAL, 0, true",
        "a, LEASE, NOT_EQUAL, 0, false",
    })
    void compares(String key, Compare.CompareTarget target, Compare.CompareResult result, String operand,
            boolean expected) {
        Compare.Builder c = Compare.newBuilder().setKey(b(key)).setTarget(target).setResult(result);
        switch (target) {
            case VALUE -> c.setValue(b(operand == null ? "" : operand));
            case VERSION -> c.setVersion(Long.parseLong(operand));
            case CREATE -> c.setCreateRevision(Long.parseLong(operand));
            case MOD -> c.setModRevision(Long.parseLong(operand));
            default -> c.setLease(Long.parseLong(operand));
        }
        assertThat(readOnlyTxn(c.build())).isEqualTo(expected);
    }

    @Test
    void rangeComparesNeedEveryKey() {
        Compare.Builder c = Compare.newBuilder().setKey(b("a")).setRangeEnd(b("c"))
                .setTarget(Compare.CompareTarget.VERSION);
        assertThat(readOnlyTxn(c.setResult(Compare.CompareResult.GREATER).setVersion(0).build())).isTrue();
        assertThat(readOnlyTxn(c.setResult(Compare.CompareResult.EQUAL).setVersion(1).build())).isFalse(); // a is 2
        Compare fromKey = Compare.newBuilder().setKey(b("a")).setRangeEnd(b("\0"))
                .setTarget(Compare.CompareTarget.CREATE).setResult(Compare.CompareResult.LESS).setCreateRevision(9)
                .build();
        assertThat(readOnlyTxn(fromKey)).isTrue(); // d was deleted: not part of the range
        Compare emptyRange = Compare.newBuilder().setKey(b("x")).setRangeEnd(b("y"))
                .setTarget(Compare.CompareTarget.VALUE).setResult(Compare.CompareResult.NOT_EQUAL).build();
        assertThat(readOnlyTxn(emptyRange)).isFalse();
        // a target union of another kind compares against zero
        Compare mismatch = Compare.newBuilder().setKey(b("a")).setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.GREATER).setVersion(100).build();
        assertThat(readOnlyTxn(mismatch)).isTrue();
    }

    private boolean readOnlyTxn(Compare c) {
        long before = f.store.currentRevision();
        var r = f.txn(Req.txn(List.of(c), List.of(), List.of()));
        assertThat(r.getHeader().getRevision()).isEqualTo(before);
        return r.getSucceeded();
    }
}
