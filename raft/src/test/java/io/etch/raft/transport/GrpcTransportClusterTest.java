package io.etch.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.util.RpcFactoryHelper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3-member jraft cluster over the gRPC peer transport. */
class GrpcTransportClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestCluster cluster;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replicatesReadsFailsOverAndCatchesUp() throws Exception {
        assertThat(RpcFactoryHelper.rpcFactory()).isInstanceOf(GrpcRaftRpcFactory.class);
        cluster = new TestCluster(dir, 3);
        cluster.start();
        TestCluster.Member leader = cluster.awaitLeader(WAIT);

        long t0 = System.nanoTime();
        write(leader.node, 0, 200);
        long writeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("200 writes (pipelined, one client thread) committed in %d ms%n", writeMs);

        // readIndex on a follower: once it answers, the follower has applied everything committed before
        TestCluster.Member follower = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
        CompletableFuture<Integer> seenAtRead = new CompletableFuture<>();
        follower.node.readIndex(new byte[0], new ReadIndexClosure() {
            @Override
            public void run(Status status, long index, byte[] reqCtx) {
                if (status.isOk()) {
                    seenAtRead.complete(follower.fsm.size());
                } else {
                    seenAtRead.completeExceptionally(new AssertionError("readIndex failed: " + status));
                }
            }
        });
        assertThat(seenAtRead.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(200);

        t0 = System.nanoTime();
        for (long v = 200; v < 220; v++) {
            write(leader.node, v, 1);
        }
        System.out.printf("20 sequential writes: %.1f ms each%n", (System.nanoTime() - t0) / 20 / 1e6);

        List<Long> expected = LongStream.range(0, 220).boxed().toList();
        for (TestCluster.Member m : cluster.members()) {
            Await.until("220 entries on member " + m.index, WAIT, () -> m.fsm.size() == 220);
            assertThat(m.fsm.applied()).isEqualTo(expected);
        }

        // stop the leader: another one takes over and writes continue
        cluster.stop(leader);
        TestCluster.Member newLeader = cluster.awaitLeader(WAIT);
        assertThat(newLeader).isNotSameAs(leader);
        write(newLeader.node, 220, 30);
        List<Long> expected250 = LongStream.range(0, 250).boxed().toList();
        for (TestCluster.Member m : cluster.members()) {
            if (m.running()) {
                Await.until("250 entries on member " + m.index, WAIT, () -> m.fsm.size() == 250);
                assertThat(m.fsm.applied()).isEqualTo(expected250);
            }
        }

        // the old leader comes back on its port and catches up from the log
        cluster.restart(leader, false);
        Await.until("old leader catches up", WAIT, () -> leader.fsm.size() == 250);
        assertThat(leader.fsm.applied()).isEqualTo(expected250);
    }

    @Test
    void installsSnapshotOnAFollowerWhoseEntriesWereTruncated() throws Exception {
        cluster = new TestCluster(dir, 3);
        cluster.start();
        TestCluster.Member leader = cluster.awaitLeader(WAIT);
        TestCluster.Member lagging = cluster.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
        cluster.stop(lagging);

        write(leader.node, 0, 100);
        snapshot(leader.node);
        write(leader.node, 100, 100);
        snapshot(leader.node); // the log is now truncated up to the first snapshot

        cluster.restart(lagging, true); // empty data dir: needs entry 1, which is gone
        Await.until("lagging member catches up", WAIT, () -> lagging.fsm.size() == 200);
        assertThat(lagging.fsm.snapshotLoads.get()).isGreaterThan(0);
        assertThat(lagging.fsm.applied()).isEqualTo(LongStream.range(0, 200).boxed().toList());
        assertThat(leader.fsm.applied()).isEqualTo(lagging.fsm.applied());
    }

    /** Applies values {@code from .. from+count-1} in order and waits until all are committed. */
    private static void write(Node leader, long from, int count) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(count);
        ConcurrentLinkedQueue<Status> failures = new ConcurrentLinkedQueue<>();
        for (long v = from; v < from + count; v++) {
            Task task = new Task();
            task.setData(LogStateMachine.encode(v));
            task.setDone(status -> {
                if (!status.isOk()) {
                    failures.add(status);
                }
                done.countDown();
            });
            leader.apply(task);
        }
        assertThat(done.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("writes done").isTrue();
        assertThat(failures).isEmpty();
    }

    private static void snapshot(Node node) throws Exception {
        CompletableFuture<Status> result = new CompletableFuture<>();
        node.snapshot(result::complete);
        Status status = result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status.isOk()).as("snapshot: %s", status).isTrue();
    }
}
