package io.etch.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    /** The doc comment's example: a task submitted while another runs is run by the running submitter, after it. */
    @Test
    void aTaskSubmittedWhileAnotherRunsRunsAfterItOnTheRunningThread() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            ran.add("a1");
            serial.execute(() -> ran.add("b1 on " + Thread.currentThread().getName())); // returns at once
            ran.add("a1 done");
        });
        assertThat(ran).containsExactly("a1", "a1 done", "b1 on " + Thread.currentThread().getName());
    }

    @Test
    void tasksNeverOverlapAndKeepEachSubmittersOrder() throws Exception {
        SerialExecutor serial = new SerialExecutor();
        int threads = 4;
        int perThread = 20_000;
        AtomicBoolean running = new AtomicBoolean();
        AtomicInteger overlaps = new AtomicInteger();
        int[] lastSeen = new int[threads]; // only touched by tasks, which are serial
        AtomicInteger outOfOrder = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread submitter = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 1; i <= perThread; i++) {
                    int seq = i;
                    serial.execute(() -> {
                        if (!running.compareAndSet(false, true)) {
                            overlaps.incrementAndGet();
                        }
                        if (lastSeen[thread] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeen[thread] = seq;
                        ran.incrementAndGet();
                        running.set(false);
                    });
                }
            });
            submitter.start();
            submitters.add(submitter);
        }
        start.countDown();
        for (Thread t : submitters) {
            t.join(30_000);
        }
        // every submitter has returned, so every task has run (the last one out ran what was left)
        assertThat(ran).hasValue(threads * perThread);
        assertThat(overlaps).hasValue(0);
        assertThat(outOfOrder).hasValue(0);
    }

    @Test
    void aFailingTaskDoesNotStopTheOthers() {
        SerialExecutor serial = new SerialExecutor();
        List<String> ran = new ArrayList<>();
        serial.execute(() -> {
            serial.execute(() -> {
                throw new IllegalStateException("boom (expected by the test)");
            });
            serial.execute(() -> ran.add("after"));
        });
        assertThat(ran).containsExactly("after");
    }
}
