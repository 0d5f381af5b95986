package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.etch.api.etcdserverpb.Compare;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Random request sequences over a small key alphabet (including 0x00 and 0xff bytes), applied to the
 * store in random batches and to {@link ModelKv}; every response (or error) must be identical, including
 * historical reads at random revisions after compactions and reopening. A second store gets the same
 * requests one per batch and must end with the same hashes.
 */
class MvccStoreModelPropertiesTest {
    private static final byte[][] KEYS = {{'a'}, {'a', 'b'}, {'b'}, {'c'}, {0}, {(byte) 0xff}, {'a', (byte) 0xff}};
    private static final long LEASE = 7;

    @Property(tries = 40, seed = "20240611")
    void storeMatchesModel(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seed) throws IOException {
        Random rnd = new Random(seed);
        Path tmp = Files.createTempDirectory("etch-mvcc-prop");
        ModelKv model = new ModelKv();
        model.leases = id -> id == LEASE;
        try {
            StoreFixture store = new StoreFixture(tmp.resolve("batched"));
            StoreFixture single = new StoreFixture(tmp.resolve("single"));
            store.store.setLeaseResolver(model.leases);
            single.store.setLeaseResolver(model.leases);
            try {
                int steps = 40 + rnd.nextInt(60);
                for (int step = 0; step < steps; step++) {
                    int batch = 1 + rnd.nextInt(4);
                    try (WriteTxn w = store.store.beginWrite()) {
                        for (int i = 0; i < batch; i++) {
                            writeStep(rnd, model, w, single);
                        }
                        w.commit(++store.index);
                    }
                    for (int i = rnd.nextInt(3); i > 0; i--) {
                        RangeRequest r = randomRange(rnd, model.rev);
                        same(() -> model.range(r), () -> store.store.range(r), "range " + r);
                    }
                    if (rnd.nextInt(25) == 0) {
                        store.reopen();
                        store.store.setLeaseResolver(model.leases);
                    }
                    assertThat(store.store.currentRevision()).isEqualTo(model.rev);
                    assertThat(store.store.compactRevision()).isEqualTo(Math.max(0, model.compactMainRev));
                }
                assertThat(single.store.hashKv(0)).isEqualTo(store.store.hashKv(0));
                assertThat(single.store.hash()).isEqualTo(store.store.hash());
            } finally {
                store.close();
                single.close();
            }
        } finally {
            Checkpoints.deleteRecursively(tmp);
        }
    }

    private static void writeStep(Random rnd, ModelKv model, WriteTxn w, StoreFixture single) {
        int kind = rnd.nextInt(100);
        if (kind < 35) {
            PutRequest p = randomPut(rnd);
            apply(model::put, w::put, single, p);
        } else if (kind < 55) {
            DeleteRangeRequest d = DeleteRangeRequest.newBuilder().setKey(key(rnd)).setRangeEnd(end(rnd))
                    .setPrevKv(rnd.nextBoolean()).build();
            apply(model::deleteRange, w::deleteRange, single, d);
        } else if (kind < 90) {
            TxnRequest t = randomTxn(rnd, model.rev, 0);
            try {
                KvRequestValidator.checkTxn(t, 128);
            } catch (EtcdException e) {
                return; // never proposed
            }
            apply(model::txn, w::txn, single, t);
        } else {
            long at = model.compactMainRev - 1 + rnd.nextInt((int) (model.rev - model.compactMainRev + 3));
            apply(model::compact, w::compact, single, Req.compact(at));
        }
    }

    private static <Q, R extends Message> void apply(Function<Q, R> model, Function<Q, R> store, StoreFixture single,
            Q request) {
        Object expected = same(() -> model.apply(request), () -> store.apply(request), String.valueOf(request));
        Object other = outcome(() -> single.write(w -> {
            if (request instanceof PutRequest p) {
                return w.put(p);
            } else if (request instanceof DeleteRangeRequest d) {
                return w.deleteRange(d);
            } else if (request instanceof TxnRequest t) {
                return w.txn(t);
            }
            return w.compact((io.etch.api.etcdserverpb.CompactionRequest) request);
        }));
        assertThat(other).as("one request per batch: %s", request).isEqualTo(expected);
    }

    private static Object same(Supplier<?> model, Supplier<?> store, String what) {
        Object expected = outcome(model);
        assertThat(outcome(store)).as(what).isEqualTo(expected);
        return expected;
    }

    private static Object outcome(Supplier<?> s) {
        try {
            return s.get();
        } catch (EtcdException e) {
            return e.error();
        }
    }

    private static ByteString key(Random rnd) {
        return ByteString.copyFrom(KEYS[rnd.nextInt(KEYS.length)]);
    }

    private static ByteString end(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> ByteString.EMPTY;
            case 1 -> ByteString.copyFrom(new byte[] {0});
            default -> key(rnd);
        };
    }

    private static PutRequest randomPut(Random rnd) {
        PutRequest.Builder p = PutRequest.newBuilder().setKey(key(rnd)).setPrevKv(rnd.nextBoolean());
        int mode = rnd.nextInt(10);
        if (mode == 0) {
            p.setIgnoreValue(true);
        } else {
            p.setValue(ByteString.copyFromUtf8("v" + rnd.nextInt(4)));
        }
        if (mode == 1) {
            p.setIgnoreLease(true);
        } else if (mode == 2) {
            p.setLease(LEASE);
        } else if (mode == 3 && rnd.nextInt(3) == 0) {
            p.setLease(99); // unknown lease
        }
        return p.build();
    }

    private static RangeRequest randomRange(Random rnd, long rev) {
        RangeRequest.Builder r = RangeRequest.newBuilder().setKey(key(rnd)).setRangeEnd(end(rnd));
        if (rnd.nextInt(3) == 0) {
            r.setRevision(rnd.nextInt((int) rev + 2) - 1); // -1 .. rev+1
        }
        if (rnd.nextInt(3) == 0) {
            r.setLimit(rnd.nextInt(4));
        }
        if (rnd.nextInt(4) == 0) {
            r.setSortOrder(RangeRequest.SortOrder.forNumber(rnd.nextInt(3)));
            r.setSortTarget(RangeRequest.SortTarget.forNumber(rnd.nextInt(5)));
        }
        if (rnd.nextInt(6) == 0) {
            r.setMinModRevision(rnd.nextInt((int) rev + 1));
        }
        if (rnd.nextInt(6) == 0) {
            r.setMaxCreateRevision(rnd.nextInt((int) rev + 1));
        }
        r.setKeysOnly(rnd.nextInt(5) == 0).setCountOnly(rnd.nextInt(8) == 0);
        return r.build();
    }

    private static TxnRequest randomTxn(Random rnd, long rev, int depth) {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (int i = rnd.nextInt(3); i > 0; i--) {
            Compare.Builder c = Compare.newBuilder().setKey(key(rnd))
                    .setResult(Compare.CompareResult.forNumber(rnd.nextInt(4)))
                    .setTarget(Compare.CompareTarget.forNumber(rnd.nextInt(5)));
            if (rnd.nextInt(3) == 0) {
                c.setRangeEnd(end(rnd));
            }
            switch (c.getTarget()) {
                case VALUE -> c.setValue(ByteString.copyFromUtf8("v" + rnd.nextInt(4)));
                case VERSION -> c.setVersion(rnd.nextInt(3));
                case CREATE -> c.setCreateRevision(rnd.nextInt((int) rev + 1));
                case MOD -> c.setModRevision(rnd.nextInt((int) rev + 1));
                default -> c.setLease(rnd.nextBoolean() ? 0 : LEASE);
            }
            t.addCompare(c);
        }
        t.addAllSuccess(randomOps(rnd, rev, depth));
        t.addAllFailure(randomOps(rnd, rev, depth));
        return t.build();
    }

    private static List<RequestOp> randomOps(Random rnd, long rev, int depth) {
        List<RequestOp> ops = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            int kind = rnd.nextInt(10);
            if (kind < 4) {
                ops.add(Req.op(randomPut(rnd)));
            } else if (kind < 6) {
                ops.add(Req.op(DeleteRangeRequest.newBuilder().setKey(key(rnd)).setRangeEnd(end(rnd))
                        .setPrevKv(rnd.nextBoolean()).build()));
            } else if (kind < 9 || depth > 0) {
                ops.add(Req.op(randomRange(rnd, rev)));
            } else {
                ops.add(Req.op(randomTxn(rnd, rev, depth + 1)));
            }
        }
        return ops;
    }
}
