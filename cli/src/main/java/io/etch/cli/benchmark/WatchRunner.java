package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.PutRequest;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchResponse;
import io.etch.api.mvccpb.Event;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two phases of {@code watch}:
 *
 * <ol>
 *   <li>create {@code streams × watchesPerStream} watchers over the connections (stream {@code s} on
 *       connection {@code s mod conns}), watcher {@code w} on key {@code w mod keys}; the latency of each
 *       create request to its {@code created} response goes to {@code watch-create};</li>
 *   <li>put {@code putTotal} values at {@code putRate} per second on key {@code i mod keys} (or a random
 *       key); each value starts with the put's send time ({@link System#nanoTime()}, 8 bytes big
 *       endian), so every delivered event gives the latency from put to delivery ({@code watch-event}),
 *       for every watcher. The puts' own latencies go to {@code watch-put}.</li>
 * </ol>
 *
 * <p>Events are counted per watcher: one put on a key watched by 100 watchers is 100 events.
 */
final class WatchRunner {
    private final BenchmarkCommand parent;
    private final Connections conns;
    private final int streams;
    private final int watchesPerStream;
    private final List<ByteString> keys;
    private final long[] watchersPerKey;
    private final Recorder createRec = new Recorder("watch-create");
    private final Recorder putRec;
    private final Recorder eventRec;
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong failedCreates = new AtomicLong();
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong expectedEvents = new AtomicLong();
    private final List<WatchStream> open = new ArrayList<>();
    private volatile Progress eventBar;

    WatchRunner(BenchmarkCommand parent, Connections conns, int streams, int watchesPerStream, List<ByteString> keys,
                String putName, String eventName) {
        this.parent = parent;
        this.conns = conns;
        this.streams = streams;
        this.watchesPerStream = watchesPerStream;
        this.keys = keys;
        this.watchersPerKey = new long[keys.size()];
        this.putRec = new Recorder(putName);
        this.eventRec = new Recorder(eventName);
    }

    Recorder createRecorder() {
        return createRec;
    }

    Recorder putRecorder() {
        return putRec;
    }

    Recorder eventRecorder() {
        return eventRec;
    }

    /** Phase 1. Returns false when not every watcher was created within {@code timeoutMs}. */
    boolean createWatchers(long timeoutMs) throws InterruptedException {
        long total = (long) streams * watchesPerStream;
        try (Progress bar = parent.progress(total)) {
            int w = 0;
            for (int s = 0; s < streams; s++) {
                WatchStream ws = new WatchStream(bar);
                ws.requests = WatchGrpc.newStub(conns.conn(s)).watch(ws);
                open.add(ws);
                for (int i = 0; i < watchesPerStream; i++, w++) {
                    int k = w % keys.size();
                    watchersPerKey[k]++;
                    ws.create(keys.get(k));
                }
            }
            return waitFor(() -> created.get() + failedCreates.get() >= total, timeoutMs) && failedCreates.get() == 0;
        }
    }

    /**
     * Phase 2 with {@code clients} closed-loop put clients. Waits for all events up to
     * {@code settleMs} after the last put.
     */
    void putAndReceive(int clients, long putTotal, long putRate, int valSize, boolean sequential, long settleMs)
            throws InterruptedException {
        KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[conns.size()];
        for (int i = 0; i < stubs.length; i++) {
            stubs[i] = KVGrpc.newStub(conns.conn(i));
        }
        long expectedTotal = 0;
        for (long n : watchersPerKey) {
            expectedTotal += n;
        }
        expectedTotal = sequential && putTotal % keys.size() == 0
                ? expectedTotal * (putTotal / keys.size())
                : expectedTotal * putTotal / keys.size();
        int size = Math.max(8, valSize);
        try (Progress bar = parent.progress(expectedTotal)) {
            eventBar = bar;
            new ClosedLoop(clients, putTotal, new RateLimiter(putRate), putRec, new Progress(putTotal, false, System.err),
                    (client, seq, done) -> {
                        int k = (int) Keys.keyNumber(seq, keys.size(), sequential);
                        expectedEvents.addAndGet(watchersPerKey[k]);
                        ByteBuffer v = ByteBuffer.allocate(size);
                        v.putLong(System.nanoTime());
                        PutRequest req = PutRequest.newBuilder().setKey(keys.get(k))
                                .setValue(ByteString.copyFrom(v.array())).build();
                        stubs[client % stubs.length].put(req, Unary.of(done));
                    }).run();
            long[] last = {events.get(), System.nanoTime()};
            waitFor(() -> {
                long now = System.nanoTime();
                long e = events.get();
                if (e != last[0]) {
                    last[0] = e;
                    last[1] = now;
                }
                // done when all arrived, or nothing arrived for settleMs
                return e >= expectedEvents.get() || now - last[1] > TimeUnit.MILLISECONDS.toNanos(settleMs);
            }, Long.MAX_VALUE);
        }
        long missing = expectedEvents.get() - events.get();
        if (missing > 0) {
            RuntimeException e = new RuntimeException("watch events not delivered within "
                    + settleMs + " ms of the last change");
            for (long i = 0; i < missing; i++) {
                eventRec.failure(System.nanoTime(), e);
            }
        }
    }

    long expectedEvents() {
        return expectedEvents.get();
    }

    void close() {
        for (WatchStream ws : open) {
            ws.close();
        }
    }

    private static boolean waitFor(java.util.function.BooleanSupplier cond, long timeoutMs)
            throws InterruptedException {
        long deadline = timeoutMs == Long.MAX_VALUE ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** One Watch stream: its create requests in flight (FIFO, answered in order) and its events. */
    private final class WatchStream extends WatchStreamEnd<Long> {
        private final Progress createBar;

        WatchStream(Progress createBar) {
            this.createBar = createBar;
        }

        void create(ByteString key) {
            sendCreate(System.nanoTime(), key);
        }

        @Override
        public void onNext(WatchResponse r) {
            long now = System.nanoTime();
            if (r.getCreated() || (r.getCanceled() && r.getEventsCount() == 0 && r.getCompactRevision() == 0)) {
                Long start = createAnswered();
                if (start != null) {
                    if (r.getCanceled() && !r.getCreated()) {
                        createRec.failure(start, new RuntimeException("watch canceled: " + r.getCancelReason()));
                        failedCreates.incrementAndGet();
                    } else {
                        createRec.success(start);
                        created.incrementAndGet();
                    }
                    createBar.increment();
                }
            }
            for (Event e : r.getEventsList()) {
                ByteString v = e.getKv().getValue();
                if (v.size() >= 8) {
                    long sent = v.asReadOnlyByteBuffer().getLong();
                    eventRec.started(sent);
                    eventRec.latency(now - sent, now);
                }
                events.incrementAndGet();
                Progress bar = eventBar;
                if (bar != null) {
                    bar.increment();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            List<Long> unanswered = ended();
            for (Long start : unanswered) {
                createRec.failure(start, t);
            }
            int pending = unanswered.size();
            failedCreates.addAndGet(pending);
            if (pending == 0 && !(t instanceof io.grpc.StatusRuntimeException sre
                    && sre.getStatus().getCode() == io.grpc.Status.Code.CANCELLED)) {
                eventRec.failure(System.nanoTime(), t);
            }
        }
    }
}
