package io.etch.storage;

import io.etch.api.etcdserverpb.CompactionResponse;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.DeleteRangeResponse;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.PutResponse;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.TxnResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/** An open store plus one-request-per-batch helpers (consistent index counts commits). */
final class StoreFixture implements AutoCloseable {
    final Path dir;
    MvccStore store;
    long index;

    StoreFixture(Path dir) throws IOException {
        this.dir = dir;
        this.store = MvccStore.open(dir);
        this.index = store.consistentIndex();
    }

    <T> T write(Function<WriteTxn, T> body) {
        try (WriteTxn w = store.beginWrite()) {
            T result = body.apply(w);
            w.commit(++index);
            return result;
        }
    }

    PutResponse put(String k, String v) {
        return write(w -> w.put(Req.put(k, v)));
    }

    PutResponse put(PutRequest p) {
        return write(w -> w.put(p));
    }

    DeleteRangeResponse del(String k, String end) {
        return write(w -> w.deleteRange(Req.del(k, end)));
    }

    DeleteRangeResponse del(DeleteRangeRequest d) {
        return write(w -> w.deleteRange(d));
    }

    TxnResponse txn(TxnRequest t) {
        return write(w -> w.txn(t));
    }

    CompactionResponse compact(long rev) {
        return write(w -> w.compact(Req.compact(rev)));
    }

    void reopen() throws IOException {
        store.close();
        store = MvccStore.open(dir);
    }

    @Override
    public void close() {
        store.close();
    }
}
