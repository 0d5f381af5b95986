package io.etch.cli.benchmark;

import com.google.protobuf.ByteString;
import io.etch.api.etcdserverpb.WatchGrpc;
import io.etch.api.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The watchers of {@code benchmark watch-latency}, as etcd 3.4's tool has them: {@code clients} watchers of
 * one key, watcher {@code i} on connection {@code i mod conns}, and the watchers of one connection sharing
 * one Watch stream (clientv3 multiplexes the watches of one client and context onto one stream). A
 * {@link Round} collects the time each watcher receives the event of one put. Thread-safe: events arrive on
 * the connections' event loops.
 */
final class LatencyWatchers implements AutoCloseable {
    /** The arrival times of one put's event, one per watcher. */
    static final class Round {
        private final long[] arrivals;
        private final boolean[] seen;
        private final CountDownLatch all;

        Round(int watchers) {
            arrivals = new long[watchers];
            seen = new boolean[watchers];
            all = new CountDownLatch(watchers);
        }

        private synchronized void arrived(int watcher, long nanos) {
            if (!seen[watcher]) {
                seen[watcher] = true;
                arrivals[watcher] = nanos;
                all.countDown();
            }
        }

        /** Waits up to {@code timeoutMs} for every watcher; returns false on timeout. */
        boolean await(long timeoutMs) throws InterruptedException {
            return all.await(timeoutMs, TimeUnit.MILLISECONDS);
        }

        /** Watcher {@code w}'s arrival ({@link System#nanoTime()}), or -1 when it has not received the event. */
        synchronized long arrival(int w) {
            return seen[w] ? arrivals[w] : -1;
        }
    }

    private final int watchers;
    private final List<Stream> streams = new ArrayList<>();
    private final CountDownLatch created;
    private final AtomicReference<Round> current = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * Opens the streams and sends every create request; {@link #awaitCreated} waits for the answers.
     *
     * @param conns the connections, of which the first {@code min(watchers, conns.size())} carry a stream
     * @param watchers how many watchers ({@code --clients}), at least 1
     * @param key the watched key
     */
    LatencyWatchers(List<ManagedChannel> conns, int watchers, ByteString key) {
        this.watchers = watchers;
        this.created = new CountDownLatch(watchers);
        int n = Math.min(watchers, conns.size());
        for (int s = 0; s < n; s++) {
            Stream st = new Stream();
            st.requests = WatchGrpc.newStub(conns.get(s)).watch(st);
            streams.add(st);
        }
        for (int w = 0; w < watchers; w++) {
            streams.get(w % n).sendCreate(w, key);
        }
    }

    int size() {
        return watchers;
    }

    /**
     * Waits until every watcher is created.
     *
     * @return null when all were created, else why not (a failure, or the timeout)
     */
    String awaitCreated(long timeoutMs) throws InterruptedException {
        boolean all = created.await(timeoutMs, TimeUnit.MILLISECONDS);
        Throwable t = failure.get();
        if (t != null) {
            return Recorder.describe(t);
        }
        return all ? null : "not every watcher was created within " + timeoutMs + " ms";
    }

    /** Starts collecting the next event of every watcher; call before the put is sent. */
    Round startRound() {
        Round r = new Round(watchers);
        current.set(r);
        return r;
    }

    /** A stream's failure or cancellation, if any happened. */
    Throwable failure() {
        return failure.get();
    }

    /** Records the first failure; {@link #awaitCreated} then returns at once with it. */
    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
        while (created.getCount() > 0) {
            created.countDown();
        }
    }

    @Override
    public void close() {
        for (Stream s : streams) {
            s.close();
        }
    }

    /** One Watch stream and the watchers on it, by the watch id the server gave each. */
    private final class Stream extends WatchStreamEnd<Integer> {
        private final ConcurrentHashMap<Long, Integer> byWatchId = new ConcurrentHashMap<>();

        @Override
        public void onNext(WatchResponse r) {
            long now = System.nanoTime();
            if (r.getCanceled()) { // a refused create (created and canceled) or a watch ended by the server
                fail(new IllegalStateException("watch canceled: " + r.getCancelReason()));
                return;
            }
            if (r.getCreated()) {
                Integer w = createAnswered();
                if (w != null) {
                    byWatchId.put(r.getWatchId(), w);
                    created.countDown();
                }
                return;
            }
            Integer w = byWatchId.get(r.getWatchId());
            Round round = current.get();
            if (w != null && round != null && r.getEventsCount() > 0) {
                round.arrived(w, now);
            }
        }

        @Override
        public void onError(Throwable t) {
            ended();
            fail(t);
        }
    }
}
