package io.etch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads running during commits and compactions each see one consistent revision. */
class MvccStoreConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void readersSeeOneRevisionPerRead() throws Exception {
        try (StoreFixture f = new StoreFixture(dir)) {
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> readers = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    readers.add(pool.submit(() -> {
                        int reads = 0;
                        while (!done.get() || reads == 0) {
                            // every batch writes both keys with the revision number as value
                            RangeResponse r = f.store.range(Req.range("a", "c"));
                            long rev = r.getHeader().getRevision();
                            if (rev > 1) {
                                assertThat(r.getKvsList()).hasSize(2).allSatisfy(kv -> {
                                    assertThat(kv.getModRevision()).isEqualTo(rev);
                                    assertThat(kv.getValue().toStringUtf8()).isEqualTo(Long.toString(rev));
                                });
                                try {
                                    f.store.range(Req.get("a").toBuilder().setRevision(rev - 1).build());
                                } catch (EtcdException e) {
                                    assertThat(e.error()).isEqualTo(EtcdError.COMPACTED);
                                }
                            }
                            reads++;
                        }
                        return reads;
                    }));
                }
                for (int i = 0; i < 300; i++) {
                    long next = f.store.currentRevision() + 1;
                    f.write(w -> {
                        w.txn(Req.txn(List.of(), List.of(Req.op(Req.put("a", Long.toString(next))),
                                Req.op(Req.put("b", Long.toString(next)))), List.of()));
                        if (next % 50 == 0) {
                            w.compact(Req.compact(next - 10));
                        }
                        return null;
                    });
                }
                done.set(true);
                for (Future<Integer> r : readers) {
                    assertThat(r.get(30, TimeUnit.SECONDS)).isPositive();
                }
            } finally {
                done.set(true);
                pool.shutdownNow();
            }
            assertThat(f.store.currentRevision()).isEqualTo(301);
        }
    }
}
