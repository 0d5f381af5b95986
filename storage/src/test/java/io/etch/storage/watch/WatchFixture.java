package io.etch.storage.watch;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.CompactionRequest;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.storage.MvccStore;
import io.etch.storage.WriteTxn;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A store plus a watchable store fed the way the raft apply loop feeds it: every write is one committed
 * batch whose events go to {@link WatchableStore#onCommit}. Keeps every committed event as the model the
 * watchers are checked against, with prev_kv from a model of its own (the key's last live KeyValue): the
 * write path fills prev_kv only when a request asks for it.
 */
final class WatchFixture implements AutoCloseable {
    final MvccStore store;
    final WatchableStore watchable;
    final List<Event> history = new ArrayList<>();
    private final java.util.Map<ByteString, io.etch.api.mvccpb.KeyValue> live = new java.util.HashMap<>();
    long index;

    WatchFixture(Path dir, WatchConfig config) throws IOException {
        store = MvccStore.open(dir);
        watchable = new WatchableStore(EventSource.of(store), config);
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    /** One batch with the given requests. */
    void batch(Consumer<WriteTxn> body) {
        try (WriteTxn w = store.beginWrite()) {
            body.accept(w);
            w.commit(++index);
            for (Event ev : w.events()) {
                ByteString key = ev.getKv().getKey();
                io.etch.api.mvccpb.KeyValue prev = ev.getType() == Event.EventType.PUT
                        ? live.put(key, ev.getKv()) : live.remove(key);
                history.add(prev == null ? ev.toBuilder().clearPrevKv().build() : ev.toBuilder().setPrevKv(prev).build());
            }
            watchable.onCommit(List.copyOf(w.events()), store.currentRevision());
        }
    }

    void put(String k, String v) {
        batch(w -> w.put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build()));
    }

    void del(String k, String end) {
        batch(w -> w.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).build()));
    }

    void txn(TxnRequest t) {
        batch(w -> w.txn(t));
    }

    void compact(long rev) {
        batch(w -> w.compact(CompactionRequest.newBuilder().setRevision(rev).build()));
    }

    static WatchCreateRequest.Builder create(String key, String end) {
        return WatchCreateRequest.newBuilder().setKey(b(key)).setRangeEnd(b(end));
    }

    /** Polls {@code stream} until {@code n} responses arrived (bounded wait). */
    static List<WatchResponse> take(WatchStream stream, int n) {
        List<WatchResponse> out = new ArrayList<>();
        await("responses", () -> {
            WatchResponse r;
            while (out.size() < n && (r = stream.poll()) != null) {
                out.add(r);
            }
            return out.size() >= n;
        });
        return out;
    }

    /** Polls a condition every millisecond until it holds; fails after 20 s. */
    static void await(String what, BooleanSupplier condition) {
        await(() -> what, condition);
    }

    static void await(java.util.function.Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        watchable.close();
        store.close();
    }
}
