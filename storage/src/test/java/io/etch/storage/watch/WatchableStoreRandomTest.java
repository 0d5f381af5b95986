package io.etch.storage.watch;

import static io.etch.storage.watch.WatchFixture.b;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.DeleteRangeRequest;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.RequestOp;
import io.etch.api.etcdserverpb.TxnRequest;
import io.etch.api.etcdserverpb.WatchCreateRequest;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import io.etch.storage.KeyRange;
import io.etch.storage.WriteTxn;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A randomized write stream against many watchers on random ranges, start revisions, filters and
 * prev_kv, some on streams that are read slowly: every watcher must see every event of its range from its
 * start revision exactly once, in order, with prev_kv exactly when asked (never for create events), the
 * way the write path produced them. Then a compaction: watches below it are cancelled with
 * {@code compact_revision}. Seeded; the only nondeterminism is thread timing, which must not matter.
 */
class WatchableStoreRandomTest {
    @TempDir
    Path dir;

    /** One created watcher: what it asked and what it got. */
    static final class Spec {
        final WatchCreateRequest req;
        final int stream;
        long id = Long.MIN_VALUE;
        long createdRev;
        boolean cancelRequested;
        boolean cancelAcked;
        final List<Event> got = new ArrayList<>();

        Spec(WatchCreateRequest req, int stream) {
            this.req = req;
            this.stream = stream;
        }

        long start() {
            return req.getStartRevision() == 0 ? createdRev + 1 : req.getStartRevision();
        }

        List<Event> expected(List<Event> history) {
            ByteString key = req.getKey().isEmpty() ? ByteString.copyFrom(new byte[] {0}) : req.getKey();
            KeyRange range = KeyRange.of(key, req.getRangeEnd());
            List<Event> out = new ArrayList<>();
            for (Event ev : history) {
                if (ev.getKv().getModRevision() < start() || !range.contains(ev.getKv().getKey().toByteArray())) {
                    continue;
                }
                if (ev.getType() == Event.EventType.PUT
                        ? req.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT)
                        : req.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE)) {
                    continue;
                }
                out.add(req.getPrevKv() || !ev.hasPrevKv() ? ev : ev.toBuilder().clearPrevKv().build());
            }
            return out;
        }
    }

    @ParameterizedTest(name = "seed {0}, queue {1}, batch {2}, pending {3}")
    @CsvSource({
        "1, 128, 1000, 100000", // etcd-like defaults
        "2, 2, 5, 100000", // tiny stream queues and history reads: constant catch-up
        "3, 3, 7, 4", // and dropped live batches: synced watchers fall back to history
    })
    void everyWatcherSeesItsRangeExactlyOnceInOrder(long seed, int queue, int batchEntries, int maxPending)
            throws Exception {
        Random rnd = new Random(seed);
        try (WatchFixture f = new WatchFixture(dir, new WatchConfig(600_000, queue, 1 << 20, batchEntries,
                maxPending, 16))) {
            int streamCount = 8;
            List<WatchStream> streams = new ArrayList<>();
            List<ArrayDeque<Spec>> awaitingCreated = new ArrayList<>();
            List<Map<Long, Spec>> byId = new ArrayList<>();
            List<Spec> specs = new ArrayList<>();
            for (int i = 0; i < streamCount; i++) {
                streams.add(f.watchable.newStream(() -> { }));
                awaitingCreated.add(new ArrayDeque<>());
                byId.add(new HashMap<>());
            }
            Runnable[] drain = new Runnable[streamCount];
            for (int i = 0; i < streamCount; i++) {
                int si = i;
                drain[i] = () -> {
                    WatchResponse r;
                    while ((r = streams.get(si).poll()) != null) {
                        handle(r, awaitingCreated.get(si), byId.get(si));
                    }
                };
            }
            for (int step = 0; step < 400; step++) {
                if (rnd.nextInt(4) == 0) {
                    int si = rnd.nextInt(streamCount);
                    long cur = f.store.currentRevision();
                    Spec spec = new Spec(randomCreate(rnd, cur), si);
                    specs.add(spec);
                    awaitingCreated.get(si).add(spec);
                    streams.get(si).watch(spec.req);
                }
                if (rnd.nextInt(40) == 0 && !specs.isEmpty()) {
                    Spec victim = specs.get(rnd.nextInt(specs.size()));
                    if (victim.id != Long.MIN_VALUE && !victim.cancelRequested) {
                        victim.cancelRequested = true;
                        streams.get(victim.stream).cancel(victim.id);
                    }
                }
                randomWrite(f, rnd);
                // streams 0 and 1 are slow readers; the rest read after every write
                for (int si = 2; si < streamCount; si++) {
                    drain[si].run();
                }
                if (step % 25 == 0) {
                    drain[0].run();
                    drain[1].run();
                }
            }
            List<Event> history = List.copyOf(f.history);
            Map<Spec, Integer> want = new java.util.IdentityHashMap<>();
            java.util.function.ToIntFunction<Spec> wanted = sp -> want.computeIfAbsent(sp, x -> x.expected(history).size());
            WatchFixture.await(() -> {
                StringBuilder sb = new StringBuilder("every watcher to catch up; behind:");
                for (Spec sp : specs) {
                    if (sp.id == Long.MIN_VALUE || (!sp.cancelRequested && sp.got.size() < wanted.applyAsInt(sp))) {
                        sb.append("\n  stream ").append(sp.stream).append(" id ").append(sp.id).append(" got ")
                                .append(sp.got.size()).append("/").append(sp.id == Long.MIN_VALUE ? -1 : wanted.applyAsInt(sp)).append(" ")
                                .append(f.watchable.describe(streams.get(sp.stream), sp.id));
                    }
                }
                return sb.toString() + " at rev " + f.store.currentRevision() + " notified "
                        + f.watchable.notifiedRevision();
            }, () -> {
                for (Runnable d : drain) {
                    d.run();
                }
                for (Spec s : specs) {
                    if (s.id == Long.MIN_VALUE || (!s.cancelRequested && s.got.size() < wanted.applyAsInt(s))
                            || (s.cancelRequested && !s.cancelAcked)) {
                        return false;
                    }
                }
                return true;
            });
            for (Spec s : specs) {
                List<Event> expected = s.expected(history);
                if (s.cancelRequested) {
                    assertThat(s.got.size()).isLessThanOrEqualTo(expected.size());
                    assertThat(s.got).as("cancelled watcher %s got a prefix", s.req)
                            .containsExactlyElementsOf(expected.subList(0, s.got.size()));
                } else {
                    assertThat(s.got).as("events of %s created at %d", s.req, s.createdRev)
                            .containsExactlyElementsOf(expected);
                }
            }
            assertThat(specs.size()).isGreaterThan(50);
            assertThat(f.watchable.pendingEvents()).isZero();

            // compaction: starts below it are cancelled with compact_revision; at it, replayed
            long cur = f.store.currentRevision();
            long compactAt = cur - 3;
            f.compact(compactAt);
            WatchStream s = f.watchable.newStream(() -> { });
            s.watch(WatchFixture.create("", "\0").setStartRevision(compactAt - 1).build());
            s.watch(WatchFixture.create("", "\0").setStartRevision(compactAt).build());
            List<WatchResponse> rs = WatchFixture.take(s, 4);
            assertThat(rs.get(0).getCreated()).isTrue(); // created comes before anything of its watcher
            assertThat(rs.stream().filter(WatchResponse::getCreated)).extracting(WatchResponse::getWatchId)
                    .containsExactly(0L, 1L);
            WatchResponse compacted = rs.stream().filter(WatchResponse::getCanceled).findFirst().orElseThrow();
            assertThat(compacted.getWatchId()).isEqualTo(0);
            assertThat(compacted.getCompactRevision()).isEqualTo(compactAt);
            assertThat(compacted.getHeader().getRevision()).isZero();
            assertThat(compacted.getCancelReason()).isEmpty();
            WatchResponse replay = rs.stream().filter(r -> r.getEventsCount() > 0).findFirst().orElseThrow();
            assertThat(replay.getWatchId()).isEqualTo(1);
            assertThat(replay.getEventsList()).allMatch(e -> e.getKv().getModRevision() >= compactAt);
            assertThat(replay.getEventsList().get(replay.getEventsCount() - 1).getKv().getModRevision()).isEqualTo(cur);
        }
    }

    private static void handle(WatchResponse r, ArrayDeque<Spec> awaiting, Map<Long, Spec> byId) {
        if (r.getCreated()) {
            Spec spec = awaiting.poll();
            assertThat(spec).as("created without a create: %s", r).isNotNull();
            assertThat(r.getCanceled()).as("create failed: %s", r).isFalse();
            spec.id = r.getWatchId();
            spec.createdRev = r.getHeader().getRevision();
            assertThat(byId.put(spec.id, spec)).as("id %d reused while live", spec.id).isNull();
            return;
        }
        Spec spec = byId.get(r.getWatchId());
        assertThat(spec).as("response for unknown watch id: %s", r).isNotNull();
        assertThat(spec.cancelAcked).as("response after cancel: %s", r).isFalse();
        if (r.getCanceled()) {
            assertThat(spec.cancelRequested).as("unexpected cancel %s", r).isTrue();
            spec.cancelAcked = true;
            byId.remove(r.getWatchId());
            return;
        }
        assertThat(r.getEventsCount()).as("empty response %s", r).isPositive();
        for (Event ev : r.getEventsList()) {
            assertThat(ev.getKv().getModRevision()).isLessThanOrEqualTo(r.getHeader().getRevision());
        }
        spec.got.addAll(r.getEventsList());
    }

    private static final String[] KEYS = {"a", "b", "ba", "bb", "c", "ca", "d", "e", "\u00ff"};

    private static String key(Random rnd) {
        return KEYS[rnd.nextInt(KEYS.length)];
    }

    private static WatchCreateRequest randomCreate(Random rnd, long cur) {
        WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder();
        switch (rnd.nextInt(6)) {
            case 0, 1 -> b.setKey(b(key(rnd)));
            case 2 -> {
                String lo = key(rnd);
                String hi = key(rnd);
                if (lo.compareTo(hi) >= 0) {
                    hi = lo + "z";
                }
                b.setKey(b(lo)).setRangeEnd(b(hi));
            }
            case 3 -> {
                byte[] prefix = key(rnd).substring(0, 1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                b.setKey(ByteString.copyFrom(prefix)).setRangeEnd(ByteString.copyFrom(KeyRange.prefixEnd(prefix)));
            }
            case 4 -> b.setKey(b(key(rnd))).setRangeEnd(ByteString.copyFrom(new byte[] {0}));
            default -> b.setKey(ByteString.EMPTY).setRangeEnd(ByteString.copyFrom(new byte[] {0}));
        }
        switch (rnd.nextInt(4)) {
            case 0 -> b.setStartRevision(0);
            case 1 -> b.setStartRevision(cur + 1 + rnd.nextInt(5)); // future
            default -> b.setStartRevision(1 + rnd.nextInt((int) cur)); // history
        }
        if (rnd.nextInt(5) == 0) {
            b.addFilters(rnd.nextBoolean() ? WatchCreateRequest.FilterType.NOPUT : WatchCreateRequest.FilterType.NODELETE);
        }
        b.setPrevKv(rnd.nextBoolean());
        return b.build();
    }

    private static void randomWrite(WatchFixture f, Random rnd) {
        int requests = 1 + rnd.nextInt(3);
        f.batch(w -> {
            for (int i = 0; i < requests; i++) {
                one(w, rnd);
            }
        });
    }

    private static void one(WriteTxn w, Random rnd) {
        switch (rnd.nextInt(6)) {
            case 0, 1, 2 -> w.put(PutRequest.newBuilder().setKey(b(key(rnd))).setValue(b("v" + rnd.nextInt(1000))).build());
            case 3 -> w.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(key(rnd))).build());
            case 4 -> {
                String lo = key(rnd);
                w.deleteRange(DeleteRangeRequest.newBuilder().setKey(b(lo)).setRangeEnd(b(lo + "a")).build());
            }
            default -> {
                Set<String> keys = new LinkedHashSet<>();
                for (int i = 0; i < 3; i++) {
                    keys.add(key(rnd));
                }
                String del = key(rnd);
                TxnRequest.Builder t = TxnRequest.newBuilder();
                for (String k : keys) {
                    t.addSuccess(RequestOp.newBuilder().setRequestPut(
                            PutRequest.newBuilder().setKey(b(k)).setValue(b("t" + rnd.nextInt(1000)))));
                }
                if (!keys.contains(del)) {
                    t.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                            DeleteRangeRequest.newBuilder().setKey(b(del))));
                }
                w.txn(t.build());
            }
        }
    }
}
