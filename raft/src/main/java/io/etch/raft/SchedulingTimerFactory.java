package io.etch.raft;

import com.alipay.sofa.jraft.util.SPI;
import com.alipay.sofa.jraft.util.timer.DefaultRaftTimerFactory;
import com.alipay.sofa.jraft.util.timer.Timeout;
import com.alipay.sofa.jraft.util.timer.Timer;
import com.alipay.sofa.jraft.util.timer.TimerTask;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's timer factory (an SPI, registered in {@code META-INF/services}) with timers that sleep until
 * their next deadline. jraft's default timer for a node's election, vote, step-down and snapshot timers and
 * for its read-index timeout scanner is a hashed wheel that ticks every millisecond: five threads per member
 * waking 1,000 times a second each, about 6% of a core per member when idle and under load alike on a
 * 2-core machine. Here each such timer is one {@link ScheduledThreadPoolExecutor} thread (a delay queue:
 * no wake-up without a due task; cancelled tasks leave the queue at once). Deadlines are as precise as
 * the scheduler's, better than the wheel's 1 ms tick. Everything else is jraft's
 * {@link DefaultRaftTimerFactory}.
 */
@SPI(priority = 100)
public final class SchedulingTimerFactory extends DefaultRaftTimerFactory {

    /** A timer of its own thread, named {@code name}. */
    @Override
    public Timer createTimer(String name) {
        return new SchedulingTimer(name);
    }

    /** A {@link Timer} on one daemon scheduler thread. */
    static final class SchedulingTimer implements Timer {
        private static final Logger LOG = LoggerFactory.getLogger(SchedulingTimer.class);
        private final ScheduledThreadPoolExecutor scheduler;

        SchedulingTimer(String name) {
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
            scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }

        /**
         * Runs {@code task} once after {@code delay}.
         *
         * @throws IllegalStateException once the timer is stopped, as jraft's wheel timer
         */
        @Override
        public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
            ScheduledTimeout timeout = new ScheduledTimeout(this, task);
            try {
                timeout.future = scheduler.schedule(timeout, delay, unit);
            } catch (RejectedExecutionException e) {
                throw new IllegalStateException("raft timer stopped", e);
            }
            return timeout;
        }

        /** Stops the thread; tasks not yet run are dropped (the returned set is empty, as jraft's DefaultTimer). */
        @Override
        public Set<Timeout> stop() {
            scheduler.shutdownNow();
            return Set.of();
        }

        private static final class ScheduledTimeout implements Timeout, Runnable {
            private final SchedulingTimer timer;
            private final TimerTask task;
            private volatile ScheduledFuture<?> future;
            private volatile boolean expired;

            ScheduledTimeout(SchedulingTimer timer, TimerTask task) {
                this.timer = timer;
                this.task = task;
            }

            @Override
            public void run() {
                expired = true;
                try {
                    task.run(this);
                } catch (Throwable t) {
                    LOG.warn("raft timer task {} failed", task, t);
                }
            }

            @Override
            public Timer timer() {
                return timer;
            }

            @Override
            public TimerTask task() {
                return task;
            }

            @Override
            public boolean isExpired() {
                return expired;
            }

            @Override
            public boolean isCancelled() {
                ScheduledFuture<?> f = future;
                return f != null && f.isCancelled();
            }

            @Override
            public boolean cancel() {
                ScheduledFuture<?> f = future;
                return f != null && f.cancel(false);
            }
        }
    }
}
