package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppliedIndexWaitersTest {
    private static long inOneHour() {
        return System.nanoTime() + TimeUnit.HOURS.toNanos(1);
    }

    @Test
    void completesWaitersUpToTheAppliedIndexOnly() throws Exception {
        AppliedIndexWaiters w = new AppliedIndexWaiters();
        w.applied(5);
        assertThat(w.await(5, inOneHour())).isDone();
        CompletableFuture<Void> six = w.await(6, inOneHour());
        CompletableFuture<Void> nine = w.await(9, inOneHour());
        w.applied(7);
        six.get(5, TimeUnit.SECONDS); // completed on the completion threads
        assertThat(six).isDone();
        assertThat(nine).isNotDone();
        w.applied(3); // never goes backwards
        assertThat(nine).isNotDone();
        w.applied(9);
        nine.get(5, TimeUnit.SECONDS);
        assertThat(nine).isDone();
    }

    @Test
    void completesAnywayAtTheDeadline() throws Exception {
        AppliedIndexWaiters w = new AppliedIndexWaiters();
        CompletableFuture<Void> late = w.await(100, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20));
        late.get(5, TimeUnit.SECONDS);
        assertThat(late).isDone();
    }
}
