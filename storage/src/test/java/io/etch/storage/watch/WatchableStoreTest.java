package io.etch.storage.watch;

import static io.etch.storage.watch.WatchFixture.b;
import static io.etch.storage.watch.WatchFixture.create;
import static io.etch.storage.watch.WatchFixture.take;
import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenarios of reference §3.6 on the watchable store (the server adds only the header ids and term). */
class WatchableStoreTest {
    @TempDir
    Path dir;
    WatchFixture f;

    @BeforeEach
    void open() throws Exception {
        f = new WatchFixture(dir, WatchConfig.defaults());
    }

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void createdFirstThenOneResponsePerRevision() {
        f.put("a", "0"); // rev 2
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("a", "").build());
        TxnRequest txn = TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("a")).setValue(b("1"))))
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("b")).setValue(b("1"))))
                .build();
        f.txn(txn); // rev 3
        f.put("a", "2"); // rev 4
        List<WatchResponse> rs = take(s, 3);
        assertThat(rs.get(0).getCreated()).isTrue();
        assertThat(rs.get(0).getWatchId()).isZero();
        assertThat(rs.get(0).getHeader().getRevision()).isEqualTo(2);
        assertThat(rs.get(1).getHeader().getRevision()).isEqualTo(3);
        assertThat(rs.get(1).getEventsList()).extracting(e -> e.getKv().getValue().toStringUtf8()).containsExactly("1");
        assertThat(rs.get(1).getEvents(0).hasPrevKv()).isFalse();
        assertThat(rs.get(2).getHeader().getRevision()).isEqualTo(4);
        assertThat(rs.get(2).getEvents(0).getKv().getVersion()).isEqualTo(3);
    }

    @Test
    void replaysHistoryWithPrevKvAndFilters() {
        f.put("k/a", "1"); // 2
        f.put("k/a", "2"); // 3
        f.del("k/a", ""); // 4
        f.put("k/b", "1"); // 5
        f.put("x", "1"); // 6
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("k/", "k0").setStartRevision(2).setPrevKv(true).build());
        s.watch(create("k/", "k0").setStartRevision(2).addFilters(WatchCreateRequest.FilterType.NOPUT).build());
        // Each watch gets its created response and then its replay; the two watches' responses may interleave
        // (etcd's sendLoop gives no order across watch ids either).
        List<WatchResponse> rs = take(s, 4);
        List<WatchResponse> w0 = rs.stream().filter(r -> r.getWatchId() == 0).toList();
        List<WatchResponse> w1 = rs.stream().filter(r -> r.getWatchId() == 1).toList();
        assertThat(w0).hasSize(2);
        assertThat(w1).hasSize(2);
        assertThat(w0.get(0).getCreated()).isTrue();
        assertThat(w1.get(0).getCreated()).isTrue();
        WatchResponse all = w0.get(1);
        WatchResponse deletes = w1.get(1);
        assertThat(all.getCreated()).isFalse();
        assertThat(deletes.getCreated()).isFalse();
        assertThat(all.getHeader().getRevision()).isEqualTo(6);
        assertThat(all.getEventsList()).extracting(e -> e.getType() + "@" + e.getKv().getModRevision()
                + (e.hasPrevKv() ? " prev=" + e.getPrevKv().getValue().toStringUtf8() : ""))
                .containsExactly("PUT@2", "PUT@3 prev=1", "DELETE@4 prev=2", "PUT@5");
        assertThat(deletes.getEventsList()).extracting(e -> e.getType() + "@" + e.getKv().getModRevision()
                + (e.hasPrevKv() ? " prev" : "")).containsExactly("DELETE@4");
        Event del = deletes.getEvents(0);
        assertThat(del.getKv().getKey().toStringUtf8()).isEqualTo("k/a");
        assertThat(del.getKv().getValue().isEmpty()).isTrue();
        assertThat(del.getKv().getCreateRevision()).isZero();
    }

    @Test
    void badCreatesAndIds() {
        f.put("a", "1");
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("b", "a").build());
        s.watch(create("a", "").setWatchId(1).build());
        s.watch(create("a", "").build()); // 0
        s.watch(create("a", "").build()); // 2 (1 is taken)
        s.watch(create("a", "").setWatchId(1).build());
        s.watch(create("", "\0").build()); // from "\0": every key; 3
        List<WatchResponse> rs = take(s, 6);
        assertThat(rs.get(0)).isEqualTo(WatchResponse.newBuilder().setHeader(WatchStream.header(2)).setWatchId(-1)
                .setCreated(true).setCanceled(true).setCancelReason("mvcc: watcher range is empty").build());
        assertThat(rs).extracting(WatchResponse::getWatchId).containsExactly(-1L, 1L, 0L, 2L, -1L, 3L);
        assertThat(rs.get(4).getCancelReason()).isEqualTo("mvcc: duplicate watch ID provided on the WatchStream");
        s.cancel(2);
        s.cancel(42);
        s.requestProgress();
        List<WatchResponse> more = take(s, 2);
        assertThat(more.get(0)).isEqualTo(WatchResponse.newBuilder().setHeader(WatchStream.header(2)).setWatchId(2)
                .setCanceled(true).build());
        assertThat(more.get(1)).isEqualTo(WatchResponse.newBuilder().setHeader(WatchStream.header(2)).setWatchId(-1)
                .build());
        f.put("zz", "1");
        WatchResponse ev = take(s, 1).get(0);
        assertThat(ev.getWatchId()).isEqualTo(3);
        assertThat(s.poll()).isNull();
    }

    @Test
    void compactedStartIsCancelledWithCompactRevision() {
        for (int i = 0; i < 5; i++) {
            f.put("a", "v" + i); // 2..6
        }
        f.compact(5);
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("a", "").setStartRevision(4).build());
        s.watch(create("a", "").setStartRevision(5).build());
        List<WatchResponse> rs = take(s, 4);
        assertThat(rs.get(0).getCreated()).isTrue();
        // the first watcher's cancel may come before or after the second's created
        assertThat(rs.stream().filter(WatchResponse::getCreated)).extracting(WatchResponse::getWatchId)
                .containsExactly(0L, 1L);
        WatchResponse cancelled = rs.stream().filter(WatchResponse::getCanceled).findFirst().orElseThrow();
        assertThat(cancelled).isEqualTo(WatchResponse.newBuilder()
                .setHeader(io.etch.api.etcdserverpb.ResponseHeader.getDefaultInstance()).setWatchId(0)
                .setCanceled(true).setCompactRevision(5).build());
        WatchResponse replay = rs.stream().filter(r -> r.getEventsCount() > 0).findFirst().orElseThrow();
        assertThat(replay.getWatchId()).isEqualTo(1);
        assertThat(replay.getEventsList()).extracting(e -> e.getKv().getModRevision()).containsExactly(5L, 6L);
        // a compacted watcher keeps its id until the client cancels it (etcd)
        assertThat(s.watcherCount()).isEqualTo(2);
        s.cancel(0);
        assertThat(take(s, 1).get(0).getCanceled()).isTrue();
    }

    @Test
    void slowStreamStaysBoundedAndCatchesUpInOrder() throws Exception {
        f.close();
        f = new WatchFixture(dir.resolve("slow"), new WatchConfig(600_000, 4, 1 << 20, 7, 100_000, 512));
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("k", "").setPrevKv(true).build());
        take(s, 1);
        for (int i = 0; i < 300; i++) {
            f.put("k", "v" + i);
            assertThat(s.pending()).isLessThanOrEqualTo(4);
        }
        List<Event> seen = new ArrayList<>();
        WatchFixture.await("all events", () -> {
            WatchResponse r;
            while ((r = s.poll()) != null) {
                seen.addAll(r.getEventsList());
            }
            return seen.size() >= 300;
        });
        assertThat(seen).containsExactlyElementsOf(f.history);
        WatchFixture.await("synced again", () -> f.watchable.syncedCount() == 1);
    }

    @Test
    void resetMovesSyncedWatchersToHistoryWithoutLossOrDuplicates() {
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("a", "b").build());
        take(s, 1);
        f.put("a1", "1");
        f.watchable.onReset();
        f.put("a2", "1");
        f.watchable.onReset();
        f.put("a3", "1");
        List<Event> seen = awaitEvents(s, 3);
        assertThat(seen).extracting(e -> e.getKv().getKey().toStringUtf8()).containsExactly("a1", "a2", "a3");
    }

    @Test
    void batchThatKeptNoEventsIsReadFromHistory() {
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("k", "l").build());
        take(s, 1);
        try (io.etch.storage.WriteTxn w = f.store.beginWrite()) {
            w.put(PutRequest.newBuilder().setKey(b("k1")).setValue(b("1")).build());
            w.put(PutRequest.newBuilder().setKey(b("k2")).setValue(b("1")).build());
            w.commit(++f.index);
        }
        f.watchable.onCommit(null, f.store.currentRevision()); // as a batch of more than MAX_EVENTS
        f.put("k3", "1");
        List<Event> seen = awaitEvents(s, 3);
        assertThat(seen).extracting(e -> e.getKv().getKey().toStringUtf8()).containsExactly("k1", "k2", "k3");
        assertThat(seen).extracting(e -> e.getKv().getModRevision()).containsExactly(2L, 3L, 4L);
    }

    @Test
    void progressNotifyOnlyWhenIdle() throws Exception {
        f.close();
        f = new WatchFixture(dir.resolve("p"), WatchConfig.defaults().withProgressNotifyIntervalMs(100));
        f.put("a", "1");
        WatchStream s = f.watchable.newStream(() -> { });
        s.watch(create("a", "").setProgressNotify(true).build());
        List<WatchResponse> rs = take(s, 2);
        assertThat(rs.get(1)).isEqualTo(WatchResponse.newBuilder().setHeader(WatchStream.header(2)).setWatchId(0)
                .build());
    }

    /** Polls {@code s} until it has delivered at least {@code n} events (bounded by WatchFixture.await). */
    private static List<Event> awaitEvents(WatchStream s, int n) {
        List<Event> seen = new ArrayList<>();
        WatchFixture.await(n + " events", () -> {
            WatchResponse r;
            while ((r = s.poll()) != null) {
                seen.addAll(r.getEventsList());
            }
            return seen.size() >= n;
        });
        return seen;
    }
}
