package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.entity.NodeId;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.RpcRequests.ErrorResponse;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexResponse;
import com.alipay.sofa.jraft.util.Endpoint;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class FollowerReadIndexTest {

    private static final PeerId SELF = PeerId.parsePeer("127.0.0.1:2380");
    private static final PeerId LEADER = PeerId.parsePeer("127.0.0.1:2381");

    private record Sent(Endpoint to, ReadIndexRequest request, BiConsumer<Object, Throwable> answer) {}

    private final List<Sent> sent = new ArrayList<>();
    private final AtomicLong lastApplied = new AtomicLong();
    private final AtomicReference<PeerId> leader = new AtomicReference<>(LEADER);
    private final AppliedIndexWaiters waiters = new AppliedIndexWaiters();

    private final Node node = (Node) Proxy.newProxyInstance(Node.class.getClassLoader(), new Class<?>[] {Node.class},
            (p, m, a) -> switch (m.getName()) {
                case "getLeaderId" -> leader.get();
                case "getNodeId" -> new NodeId("etch", SELF);
                case "getLastAppliedLogIndex" -> lastApplied.get();
                default -> throw new AssertionError("not to be called: " + m.getName());
            });

    private final FollowerReadIndex reads = new FollowerReadIndex(() -> node, waiters,
            (to, request, timeoutMs, answer) -> {
                synchronized (sent) {
                    sent.add(new Sent(to, request, answer));
                }
            }, "etch", 1000);

    private static ReadIndexResponse index(long i) {
        return ReadIndexResponse.newBuilder().setIndex(i).setSuccess(true).build();
    }

    private void apply(long index) {
        lastApplied.set(index);
        waiters.applied(index);
    }

    @Test
    void aLoneReadSendsOneRequestToTheLeaderAndPassesOnceApplied() throws Exception {
        apply(5);
        CompletableFuture<Void> f = reads.barrier(5000);
        assertThat(sent).hasSize(1);
        Sent s = sent.get(0);
        assertThat(s.to()).isEqualTo(LEADER.getEndpoint());
        assertThat(s.request().getGroupId()).isEqualTo("etch");
        assertThat(s.request().getServerId()).isEqualTo(SELF.toString());
        assertThat(s.request().getPeerId()).isEqualTo(LEADER.toString());
        s.answer().accept(index(5), null);
        f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void waitsForItsOwnApplyToReachTheLeadersIndex() throws Exception {
        apply(5);
        CompletableFuture<Void> f = reads.barrier(5000);
        sent.get(0).answer().accept(index(7), null);
        assertThat(f).isNotDone();
        apply(6);
        assertThat(f).isNotDone();
        apply(7);
        f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void readsArrivingWhileARequestIsInFlightShareTheNextOne() throws Exception {
        apply(10);
        CompletableFuture<Void> first = reads.barrier(5000);
        CompletableFuture<Void> second = reads.barrier(5000);
        CompletableFuture<Void> third = reads.barrier(5000);
        assertThat(sent).hasSize(1);
        sent.get(0).answer().accept(index(10), null);
        first.get(5, TimeUnit.SECONDS);
        assertThat(second).isNotDone(); // asked after the first request was sent: the first answer does not cover them
        assertThat(sent).hasSize(2);
        sent.get(1).answer().accept(index(10), null);
        second.get(5, TimeUnit.SECONDS);
        third.get(5, TimeUnit.SECONDS);
        assertThat(sent).hasSize(2);
        reads.barrier(5000);
        assertThat(sent).hasSize(3); // nothing in flight any more: sent at once
    }

    @Test
    void aRefusalOrAnErrorFailsTheBatch() {
        CompletableFuture<Void> refused = reads.barrier(5000);
        sent.get(0).answer().accept(ReadIndexResponse.newBuilder().setIndex(0).setSuccess(false)
                .setErrorResponse(ErrorResponse.newBuilder().setErrorCode(1).setErrorMsg("not leader")).build(), null);
        assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("not leader");
        CompletableFuture<Void> failed = reads.barrier(5000);
        sent.get(1).answer().accept(null, new IllegalStateException("connection lost"));
        assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasMessageContaining("connection lost");
    }

    @Test
    void noKnownLeaderFailsWithoutSending() {
        leader.set(null);
        CompletableFuture<Void> f = reads.barrier(5000);
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasMessageContaining("no leader");
        assertThat(sent).isEmpty();
    }

    @Test
    void anUnansweredRequestFailsTheCallerAtItsTimeout() {
        CompletableFuture<Void> f = reads.barrier(50);
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    }
}
