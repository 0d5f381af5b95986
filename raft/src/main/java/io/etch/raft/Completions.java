package io.etch.raft;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Where waiting requests are completed. Completing a request runs its continuation (building the
 * response, serialising a forwarded reply); many of them must not run on jraft's state-machine thread,
 * whose time is the cluster's apply throughput, so they go to two daemon threads per JVM (unbounded
 * queue: the number of waiting requests is bounded by the proposals in flight). A lone one runs inline:
 * a hand-off to an idle thread costs a single request 50-150 µs on a VM, more than the continuation.
 */
final class Completions {
    private static final AtomicInteger THREADS = new AtomicInteger();
    static final ExecutorService EXECUTOR = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "etch-complete-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private Completions() {
    }

    /**
     * Runs {@code complete} for {@code 0 .. count-1}: inline on the calling thread when {@code count} is 1
     * (an exception it throws propagates), otherwise in one task on {@link #EXECUTOR}, in order.
     */
    static void complete(int count, IntConsumer complete) {
        if (count == 1) {
            complete.accept(0);
        } else if (count > 1) {
            EXECUTOR.execute(() -> {
                for (int i = 0; i < count; i++) {
                    complete.accept(i);
                }
            });
        }
    }
}
