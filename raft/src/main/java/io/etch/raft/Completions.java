package io.etch.raft;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where waiting requests are completed. Completing a request runs its continuation (building the
 * response, serialising a forwarded reply), which must not run on jraft's state-machine thread: that
 * thread's time is the cluster's apply throughput. Two daemon threads per JVM, unbounded queue (the
 * number of waiting requests is bounded by the proposals in flight).
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
}
