package io.etch.raft.transport;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a submitter's thread: the submitter that finds it idle runs
 * its own task and every task submitted meanwhile; the others only enqueue and return. This serialises writes to
 * a gRPC call (whose send methods are not thread-safe) without any thread waiting for a lock while another one
 * writes.
 *
 * <p>Example: threads A and B submit a1, b1, a2 concurrently. A finds it idle and runs a1; meanwhile B enqueues b1
 * and returns at once, A enqueues a2; A runs b1 and then a2 before its {@code execute(a1)} returns.
 *
 * <p>Thread-safe and non-blocking. A task that throws is logged and skipped. Tasks must not block.
 */
final class SerialExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Tasks enqueued and not yet run; the submitter that moves it from 0 runs tasks until it is 0 again. */
    private final AtomicInteger queued = new AtomicInteger();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (queued.getAndIncrement() != 0) {
            return; // the running submitter will run it
        }
        do {
            Runnable next = tasks.poll(); // non-null: every count was preceded by an add
            try {
                next.run();
            } catch (Throwable t) { // keep running the queue whatever happens
                LOG.error("serial task failed", t);
            }
        } while (queued.decrementAndGet() != 0);
    }
}
