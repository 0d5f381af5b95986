package io.etch.cli.benchmark;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --clients} concurrent clients, each with one request in flight, sharing {@code --total}
 * requests and one rate limiter: etcd's benchmark loop ({@code for op := range requests { limit.Wait;
 * st := now; c.Do(op); report }}) without a goroutine per client. A client issues its next request
 * from the completion callback of the previous one; waits imposed by {@code --rate} are scheduled, not
 * slept. Not reusable: one instance per phase.
 */
final class ClosedLoop {
    /** Completion of one request. Exactly one of the two methods is called, once, from any thread. */
    interface Done {
        void ok();

        void failed(Throwable t);
    }

    /** Starts request number {@code seq} (0-based) on client {@code client}; must not block. */
    interface Op {
        void start(int client, long seq, Done done);
    }

    private final int clients;
    private final long total;
    private final RateLimiter limiter;
    private final Recorder recorder;
    private final Progress progress;
    private final Op op;
    private final AtomicLong next = new AtomicLong();
    private final CountDownLatch finished;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etchctl-loop-timer");
        t.setDaemon(true);
        return t;
    });

    ClosedLoop(int clients, long total, RateLimiter limiter, Recorder recorder, Progress progress, Op op) {
        this.clients = Math.max(1, clients);
        this.total = total;
        this.limiter = limiter;
        this.recorder = recorder;
        this.progress = progress;
        this.op = op;
        this.finished = new CountDownLatch(this.clients);
    }

    /** Runs all requests and returns when every client is done. */
    void run() throws InterruptedException {
        for (int c = 0; c < clients; c++) {
            issue(c);
        }
        finished.await();
        timer.shutdownNow();
    }

    private void issue(int client) {
        long seq = next.getAndIncrement();
        if (seq >= total) {
            finished.countDown();
            return;
        }
        long wait = limiter.reserve();
        if (wait > 0) {
            timer.schedule(() -> send(client, seq), wait, TimeUnit.NANOSECONDS);
        } else {
            send(client, seq);
        }
    }

    private void send(int client, long seq) {
        long start = System.nanoTime();
        try {
            op.start(client, seq, new Done() {
                @Override
                public void ok() {
                    recorder.success(start);
                    progress.increment();
                    issue(client);
                }

                @Override
                public void failed(Throwable t) {
                    recorder.failure(start, t);
                    progress.increment();
                    // A failure may be reported synchronously from start(): hop threads to avoid recursion.
                    timer.execute(() -> issue(client));
                }
            });
        } catch (RuntimeException e) {
            recorder.failure(start, e);
            progress.increment();
            timer.execute(() -> issue(client));
        }
    }
}
