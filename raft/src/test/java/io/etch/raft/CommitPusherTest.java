package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CommitPusherTest {
    private final List<CompletableFuture<Void>> rounds = new ArrayList<>();
    private final CommitPusher pusher = new CommitPusher(() -> {
        CompletableFuture<Void> f = new CompletableFuture<>();
        rounds.add(f);
        return f;
    });

    @Test
    void pushesDuringARoundCoalesceIntoOneMore() {
        pusher.push();
        assertThat(rounds).hasSize(1);
        pusher.push();
        pusher.push();
        pusher.push();
        assertThat(rounds).hasSize(1); // still running
        rounds.get(0).complete(null);
        assertThat(rounds).hasSize(2); // exactly one more
        rounds.get(1).complete(null);
        assertThat(rounds).hasSize(2); // nobody asked again
        pusher.push();
        assertThat(rounds).hasSize(3);
    }

    @Test
    void aFailedOrSynchronousRoundDoesNotStopLaterOnes() {
        CommitPusher failing = new CommitPusher(() -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            rounds.add(f);
            f.completeExceptionally(new IllegalStateException("not leader"));
            return f;
        });
        failing.push();
        failing.push();
        assertThat(rounds).hasSize(2);
        CommitPusher throwing = new CommitPusher(() -> {
            throw new IllegalStateException("stopped");
        });
        throwing.push();
        throwing.push(); // still accepted: the state went back to idle
        pusher.push();
        rounds.get(2).completeExceptionally(new IllegalStateException("lost leadership"));
        pusher.push();
        assertThat(rounds).hasSize(4);
    }
}
