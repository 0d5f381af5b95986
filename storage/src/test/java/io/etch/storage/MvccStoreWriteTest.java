package io.etch.storage;

import static io.etch.storage.Req.b;
import static io.etch.storage.Req.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.RangeResponse;
import io.etch.api.etcdserverpb.ResponseHeader;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import io.etch.api.mvccpb.Event;
import io.etch.api.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revision and version rules (reference §3.2), Put/DeleteRange/Txn responses (§3.1, §3.5). */
class MvccStoreWriteTest {
    @TempDir
    Path dir;
    StoreFixture f;

    @BeforeEach
    void open() throws IOException {
        f = new StoreFixture(dir);
    }

    @AfterEach
    void close() {
        f.close();
    }

    KeyValue only(String key) {
        RangeResponse r = f.store.range(Req.get(key));
        return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    static KeyValue kv(String k, String v, long create, long mod, long version) {
        return KeyValue.newBuilder().setKey(b(k)).setValue(b(v)).setCreateRevision(create).setModRevision(mod)
                .setVersion(version).build();
    }

    @Test
    void freshStore() {
        assertThat(f.store.currentRevision()).isEqualTo(1);
        assertThat(f.store.compactRevision()).isZero();
        assertThat(f.store.consistentIndex()).isZero();
        RangeResponse r = f.store.range(Req.range("\0", "\0"));
        assertThat(r.getHeader()).isEqualTo(ResponseHeader.newBuilder().setRevision(1).build());
        assertThat(r.getKvsList()).isEmpty();
        assertThat(r.getCount()).isZero();
    }

    @Test
    void putDeleteLifecycleFollowsEtcd() {
        assertThat(f.put("foo", "1").getHeader().getRevision()).isEqualTo(2);
        assertThat(only("foo")).isEqualTo(kv("foo", "1", 2, 2, 1));
        assertThat(f.put("foo", "1").getHeader().getRevision()).isEqualTo(3); // same value still bumps
        assertThat(only("foo")).isEqualTo(kv("foo", "1", 2, 3, 2));
        var d = f.del("foo", "");
        assertThat(d.getDeleted()).isEqualTo(1);
        assertThat(d.getHeader().getRevision()).isEqualTo(4);
        var none = f.del("foo", "");
        assertThat(none.getDeleted()).isZero();
        assertThat(none.getHeader().getRevision()).isEqualTo(4); // no-op delete does not bump
        assertThat(f.store.currentRevision()).isEqualTo(4);
        assertThat(f.put("foo", "2").getHeader().getRevision()).isEqualTo(5);
        assertThat(only("foo")).isEqualTo(kv("foo", "2", 5, 5, 1)); // new generation
    }

    @Test
    void multiKeyDeleteIsOneRevisionWithPrevKvs() {
        f.put("a", "1");
        f.put("b", "2");
        f.put("c", "3");
        var d = f.del(Req.del("a", "c").toBuilder().setPrevKv(true).build());
        assertThat(d.getDeleted()).isEqualTo(2);
        assertThat(d.getHeader().getRevision()).isEqualTo(5);
        assertThat(d.getPrevKvsList()).containsExactly(kv("a", "1", 2, 2, 1), kv("b", "2", 3, 3, 1));
        assertThat(f.store.range(Req.range("\0", "\0")).getKvsList()).containsExactly(kv("c", "3", 4, 4, 1));
    }

    @Test
    void putPrevKvIgnoreValueIgnoreLease() {
        f.store.setLeaseResolver(id -> id == 7);
        assertThatThrownBy(() -> f.put(PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).build()))
                .hasMessage(EtcdError.KEY_NOT_FOUND.message());
        assertThatThrownBy(() -> f.put(PutRequest.newBuilder().setKey(b("k")).setIgnoreLease(true).build()))
                .hasMessage(EtcdError.KEY_NOT_FOUND.message());
        assertThatThrownBy(() -> f.put(Req.put("k", "v").toBuilder().setLease(8).build()))
                .hasMessage(EtcdError.LEASE_NOT_FOUND.message());
        assertThat(f.store.currentRevision()).isEqualTo(1);

        f.put(Req.put("k", "v").toBuilder().setLease(7).build());
        PutResponse r = f.put(PutRequest.newBuilder().setKey(b("k")).setValue(b("w")).setIgnoreLease(true)
                .setPrevKv(true).build());
        assertThat(r.getPrevKv()).isEqualTo(kv("k", "v", 2, 2, 1).toBuilder().setLease(7).build());
        assertThat(only("k")).isEqualTo(kv("k", "w", 2, 3, 2).toBuilder().setLease(7).build());
        f.put(PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).build()); // lease 0, value kept
        assertThat(only("k")).isEqualTo(kv("k", "w", 2, 4, 3));
        assertThat(f.put(Req.put("new", "x").toBuilder().setPrevKv(true).build()).hasPrevKv()).isFalse();
    }

    @Test
    void txnWithTwoPutsSharesOneRevision() {
        f.put("x", "0"); // rev 2
        TxnResponse r = f.txn(Req.txn(List.of(),
                List.of(op(Req.get("a")), op(Req.put("a", "1")), op(Req.put("b", "2")), op(Req.get("a"))),
                List.of()));
        assertThat(r.getSucceeded()).isTrue();
        assertThat(r.getHeader().getRevision()).isEqualTo(3);
        // a range before any write reports the revision before the txn, after a write the new one
        assertThat(r.getResponses(0).getResponseRange().getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getResponses(0).getResponseRange().getKvsList()).isEmpty();
        assertThat(r.getResponses(1).getResponsePut().getHeader())
                .isEqualTo(ResponseHeader.newBuilder().setRevision(3).build());
        assertThat(r.getResponses(2).getResponsePut().getHeader().getRevision()).isEqualTo(3);
        assertThat(r.getResponses(3).getResponseRange().getHeader().getRevision()).isEqualTo(3);
        assertThat(r.getResponses(3).getResponseRange().getKvsList()).containsExactly(kv("a", "1", 3, 3, 1));
        assertThat(only("a").getModRevision()).isEqualTo(3);
        assertThat(only("b").getModRevision()).isEqualTo(3);
        assertThat(f.store.currentRevision()).isEqualTo(3);
    }

    @Test
    void readOnlyTxnAndNoOpDeleteDoNotBump() {
        f.put("a", "1");
        TxnResponse r = f.txn(Req.txn(List.of(Req.cmpValue("a", Compare.CompareResult.EQUAL, "1")),
                List.of(op(Req.get("a")), op(Req.del("zz", ""))), List.of()));
        assertThat(r.getSucceeded()).isTrue();
        assertThat(r.getHeader().getRevision()).isEqualTo(2);
        assertThat(r.getResponses(1).getResponseDeleteRange().getHeader().getRevision()).isEqualTo(2);
        assertThat(f.store.currentRevision()).isEqualTo(2);
    }

    @Test
    void nestedTxnHasEmptyHeaderAndComparesSeeStateBeforeTheTxn() {
        f.put("a", "1");
        TxnRequest nested = Req.txn(List.of(Req.cmpValue("a", Compare.CompareResult.EQUAL, "1")),
                List.of(op(Req.put("b", "then"))), List.of(op(Req.put("b", "else"))));
        TxnResponse r = f.txn(Req.txn(List.of(),
                List.of(op(Req.put("a", "2")), op(nested)), List.of()));
        TxnResponse inner = r.getResponses(1).getResponseTxn();
        assertThat(inner.hasHeader()).isTrue();
        assertThat(inner.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance());
        assertThat(inner.getSucceeded()).isTrue(); // evaluated before a was overwritten
        assertThat(only("b").getValue()).isEqualTo(b("then"));
        assertThat(r.getHeader().getRevision()).isEqualTo(3);
    }

    @Test
    void failureBranchRuns() {
        TxnResponse r = f.txn(Req.txn(List.of(Req.cmpVersion("a", Compare.CompareResult.GREATER, 0)),
                List.of(op(Req.put("s", "1"))), List.of(op(Req.put("f", "1")))));
        assertThat(r.getSucceeded()).isFalse();
        assertThat(only("f")).isNotNull();
        assertThat(only("s")).isNull();
    }

    @Test
    void txnPreChecksChangeNothing() {
        f.put("a", "1");
        f.store.setLeaseResolver(id -> false);
        List<TxnRequest> bad = List.of(
                Req.txn(List.of(), List.of(op(Req.put("x", "1")),
                        op(PutRequest.newBuilder().setKey(b("missing")).setIgnoreValue(true).build())), List.of()),
                Req.txn(List.of(), List.of(op(Req.put("x", "1")), op(Req.put("y", "1").toBuilder().setLease(3)
                        .build())), List.of()),
                Req.txn(List.of(), List.of(op(Req.put("x", "1")), op(Req.get("a").toBuilder().setRevision(3)
                        .build())), List.of()));
        List<EtcdError> expected = List.of(EtcdError.KEY_NOT_FOUND, EtcdError.LEASE_NOT_FOUND, EtcdError.FUTURE_REV);
        for (int i = 0; i < bad.size(); i++) {
            TxnRequest t = bad.get(i);
            EtcdError want = expected.get(i);
            assertThatThrownBy(() -> f.txn(t)).isInstanceOfSatisfying(EtcdException.class,
                    e -> assertThat(e.error()).isEqualTo(want));
        }
        assertThat(f.store.currentRevision()).isEqualTo(2);
        assertThat(only("x")).isNull();
        // ignore_value inside a txn resolves against the pre-txn state
        TxnResponse ok = f.txn(Req.txn(List.of(), List.of(op(PutRequest.newBuilder().setKey(b("a"))
                .setIgnoreValue(true).setPrevKv(true).build())), List.of()));
        assertThat(ok.getResponses(0).getResponsePut().getPrevKv().getValue()).isEqualTo(b("1"));
        assertThat(only("a")).isEqualTo(kv("a", "1", 2, 3, 2));
    }

    @Test
    void failedRequestInTheMiddleOfABatchChangesNothing() {
        f.put("base", "0"); // rev 2
        List<Event> events;
        try (WriteTxn w = f.store.beginWrite()) {
            assertThat(w.put(Req.put("a", "1")).getHeader().getRevision()).isEqualTo(3);
            // a txn that writes then fails a later check: nothing of it may remain
            assertThatThrownBy(() -> w.txn(Req.txn(List.of(), List.of(op(Req.put("b", "1")),
                    op(PutRequest.newBuilder().setKey(b("nope")).setIgnoreLease(true).build())), List.of())))
                    .isInstanceOf(EtcdException.class);
            assertThatThrownBy(() -> w.compact(Req.compact(99))).hasMessage(EtcdError.FUTURE_REV.message());
            assertThat(w.currentRevision()).isEqualTo(3);
            assertThat(w.put(Req.put("c", "1")).getHeader().getRevision()).isEqualTo(4);
            assertThat(w.deleteRange(Req.del("a", "")).getHeader().getRevision()).isEqualTo(5);
            events = w.events();
            assertThat(f.store.range(Req.get("a")).getKvsCount()).isZero(); // not visible before commit
            assertThat(f.store.currentRevision()).isEqualTo(2);
            w.commit(42);
        }
        assertThat(f.store.currentRevision()).isEqualTo(5);
        assertThat(f.store.consistentIndex()).isEqualTo(42);
        assertThat(only("b")).isNull();
        assertThat(only("c")).isEqualTo(kv("c", "1", 4, 4, 1));
        assertThat(events).extracting(Event::getType).containsExactly(Event.EventType.PUT, Event.EventType.PUT,
                Event.EventType.DELETE);
        assertThat(events.get(0).getKv()).isEqualTo(kv("a", "1", 3, 3, 1));
        assertThat(events.get(2).getKv()).isEqualTo(KeyValue.newBuilder().setKey(b("a")).setModRevision(5).build());
        // prev_kv is read on demand (the request did not ask for it): the value before the delete's revision
        assertThat(events.get(2).hasPrevKv()).isFalse();
        assertThat(f.store.prevKv(b("a"), 5)).isEqualTo(kv("a", "1", 3, 3, 1));
    }

    @Test
    void abandonedBatchWritesNothingAndOnlyOneWriterAtATime() {
        try (WriteTxn w = f.store.beginWrite()) {
            w.put(Req.put("a", "1"));
            assertThatThrownBy(() -> f.store.beginWrite()).isInstanceOf(IllegalStateException.class);
        }
        assertThat(f.store.currentRevision()).isEqualTo(1);
        assertThat(only("a")).isNull();
        f.put("a", "2");
        assertThat(only("a")).isEqualTo(kv("a", "2", 2, 2, 1));
    }

    @Test
    void putEventCarriesPrevKvOnlyWhenTheRequestReadIt() {
        f.put("a", "1");
        List<Event> events = f.write(w -> {
            w.put(Req.put("a", "2"));
            w.put(Req.put("a", "3").toBuilder().setPrevKv(true).build());
            return w.events();
        });
        assertThat(events).containsExactly(
                Event.newBuilder().setType(Event.EventType.PUT).setKv(kv("a", "2", 2, 3, 2)).build(),
                Event.newBuilder().setType(Event.EventType.PUT).setKv(kv("a", "3", 2, 4, 3))
                        .setPrevKv(kv("a", "2", 2, 3, 2)).build());
    }

    @Test
    void prevKvIsTheValueBeforeTheRevisionUnlessCompacted() {
        f.put("a", "1"); // rev 2
        f.put("b", "x"); // rev 3
        f.put("a", "2"); // rev 4
        f.write(w -> w.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build())); // rev 5
        f.put("a", "3"); // rev 6
        ByteString a = ByteString.copyFromUtf8("a");
        assertThat(f.store.prevKv(a, 2)).isNull();
        assertThat(f.store.prevKv(a, 4)).isEqualTo(kv("a", "1", 2, 2, 1));
        assertThat(f.store.prevKv(a, 5)).isEqualTo(kv("a", "2", 2, 4, 2));
        assertThat(f.store.prevKv(a, 6)).isNull(); // deleted at 5
        f.compact(4);
        assertThat(f.store.prevKv(a, 4)).isNull(); // revision 3 is compacted away
        assertThat(f.store.prevKv(a, 5)).isEqualTo(kv("a", "2", 2, 4, 2));
    }
}
