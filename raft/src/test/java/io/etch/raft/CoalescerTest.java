package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Batching of offered items: the example of {@link Coalescer}'s javadoc, the limits, and many offering threads. */
class CoalescerTest {
    /** Runs tasks only when the test says, so what a drain sees is decided by the test. */
    private final Queue<Runnable> tasks = new ArrayDeque<>();
    private final List<List<String>> batches = new ArrayList<>();

    private Coalescer<String> coalescer(int maxItems, long maxBytes) {
        return new Coalescer<>(tasks::add, batches::add, String::length, maxItems, maxBytes);
    }

    @Test
    void itemsOfferedBeforeTheDrainRunsGoInOneBatch() {
        Coalescer<String> c = coalescer(100, 1000);
        c.offer("a");
        c.offer("b");
        c.offer("c");
        assertThat(tasks).hasSize(1); // one drain scheduled, not three
        tasks.poll().run();
        assertThat(batches).containsExactly(List.of("a", "b", "c"));

        c.offer("d"); // the drain has ended: the next offer schedules another
        assertThat(tasks).hasSize(1);
        tasks.poll().run();
        assertThat(batches).containsExactly(List.of("a", "b", "c"), List.of("d"));
    }

    @Test
    void anItemOfferedWhileTheSinkRunsGoesInTheNextBatchOfTheSameDrain() {
        List<List<String>> seen = new ArrayList<>();
        Coalescer<String>[] self = new Coalescer[1];
        self[0] = new Coalescer<>(tasks::add, batch -> {
            seen.add(batch);
            if (seen.size() == 1) {
                self[0].offer("late");
            }
        }, String::length, 100, 1000);
        self[0].offer("first");
        tasks.poll().run();
        assertThat(seen).containsExactly(List.of("first"), List.of("late"));
        assertThat(tasks).isEmpty();
    }

    @Test
    void batchesRespectMaxItemsAndMaxBytes() {
        Coalescer<String> c = coalescer(3, 5);
        for (String s : List.of("a", "b", "c", "d", "ee", "fff", "gggggggg", "h")) {
            c.offer(s);
        }
        tasks.poll().run();
        // 3 items at most; 5 bytes at most unless one item alone is larger
        assertThat(batches).containsExactly(List.of("a", "b", "c"), List.of("d", "ee"), List.of("fff"),
                List.of("gggggggg"), List.of("h"));
    }

    @Test
    void aSinkThatThrowsDoesNotStopLaterBatches() {
        List<List<String>> seen = new ArrayList<>();
        Coalescer<String> c = new Coalescer<>(tasks::add, batch -> {
            seen.add(batch);
            throw new IllegalStateException("boom");
        }, String::length, 1, 1000);
        c.offer("a");
        c.offer("b");
        tasks.poll().run();
        c.offer("c");
        tasks.poll().run();
        assertThat(seen).containsExactly(List.of("a"), List.of("b"), List.of("c"));
    }

    @Test
    void everyItemFromManyThreadsArrivesOnceAndInEachThreadsOrder() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        List<List<String>> received = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(threads * perThread);
        ExecutorService drains = Executors.newFixedThreadPool(2);
        ExecutorService producers = Executors.newFixedThreadPool(threads);
        try {
            Coalescer<String> c = new Coalescer<>(drains, batch -> {
                received.add(batch);
                batch.forEach(s -> all.countDown());
            }, String::length, 64, 1 << 20);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                producers.execute(() -> {
                    for (int i = 0; i < perThread; i++) {
                        c.offer(thread + ":" + i);
                    }
                });
            }
            assertThat(all.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            producers.shutdownNow();
            drains.shutdownNow();
        }
        int[] next = new int[threads];
        int total = 0;
        for (List<String> batch : received) {
            assertThat(batch).hasSizeBetween(1, 64);
            for (String s : batch) {
                int thread = Integer.parseInt(s.substring(0, s.indexOf(':')));
                assertThat(Integer.parseInt(s.substring(s.indexOf(':') + 1))).isEqualTo(next[thread]++);
                total++;
            }
        }
        assertThat(total).isEqualTo(threads * perThread);
    }
}
