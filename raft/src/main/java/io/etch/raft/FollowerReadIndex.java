package io.etch.raft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.core.NodeImpl;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexRequest;
import com.alipay.sofa.jraft.rpc.RpcRequests.ReadIndexResponse;
import com.alipay.sofa.jraft.rpc.impl.AbstractClientService;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A follower's linearizable read barrier: asks the leader for its read index, then waits until this member has
 * applied up to it (etcd {@code linearizableReadLoop} in {@code etcdserver/v3_server.go}: one read index request in
 * flight, shared by every read that arrived before it was sent).
 *
 * <p>It does what jraft's {@code Node#readIndex} does on a follower, with two hand-offs fewer: the request is sent
 * by the thread that asks when none is in flight (jraft queues it to its read-only service's thread first), and the
 * answer is handled on the peer transport's thread (jraft hands it to its RPC executor). Reads that arrive while a
 * request is in flight wait for the next one, which is sent when the answer comes. A lone read is completed inline;
 * a batch on {@link Completions#EXECUTOR}.
 *
 * <p>A barrier completes normally only when this member's applied index has reached an index the leader gave after
 * the barrier was asked for; it fails (for the caller to retry) when there is no known leader, the request fails or
 * times out, or the leader refuses. Thread-safe.
 */
final class FollowerReadIndex {

    /** Sends one read index request to the leader; {@code answer} gets the response or the error, once. */
    interface Sender {
        void send(Endpoint leader, ReadIndexRequest request, long timeoutMs, BiConsumer<Object, Throwable> answer);
    }

    private final Supplier<Node> node;
    private final AppliedIndexWaiters applied;
    private final Sender sender;
    private final String group;
    private final long rpcTimeoutMs;

    private final Object lock = new Object();
    private List<CompletableFuture<Void>> pending = new ArrayList<>();
    private boolean inFlight;

    /**
     * @param node the local node (null before start: barriers then fail)
     * @param applied completes futures as this member applies; must hear of every applied index
     *     ({@link JraftInternals#listenToApplied})
     * @param sender how a request reaches the leader
     * @param group the raft group id
     * @param rpcTimeoutMs how long one request may wait for the leader's answer
     */
    FollowerReadIndex(Supplier<Node> node, AppliedIndexWaiters applied, Sender sender, String group,
                      long rpcTimeoutMs) {
        this.node = node;
        this.applied = applied;
        this.sender = sender;
        this.group = group;
        this.rpcTimeoutMs = rpcTimeoutMs;
    }

    /**
     * A sender over {@code node}'s own peer client, whose answers run on the transport thread; null when
     * {@code node} is not jraft's {@link NodeImpl} with an RPC client.
     */
    static Sender senderOf(Node node) {
        if (!(node instanceof NodeImpl impl) || !(impl.getRpcService() instanceof AbstractClientService svc)
                || svc.getRpcClient() == null) {
            return null;
        }
        RpcClient client = svc.getRpcClient();
        return (leader, request, timeoutMs, answer) -> {
            try {
                client.invokeAsync(leader, request, null, new InvokeCallback() {
                    @Override
                    public void complete(Object result, Throwable err) {
                        answer.accept(result, err);
                    }

                    @Override
                    public Executor executor() {
                        return Runnable::run; // the handling below does not block
                    }
                }, timeoutMs);
            } catch (Exception e) {
                answer.accept(null, e);
            }
        };
    }

    /**
     * @param timeoutMs how long the caller waits at most; after it the future fails with a
     *     {@link java.util.concurrent.TimeoutException}
     * @return completes when a local read is linearizable; fails when it could not be confirmed (retry)
     */
    CompletableFuture<Void> barrier(long timeoutMs) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        List<CompletableFuture<Void>> batch;
        synchronized (lock) {
            pending.add(f);
            if (inFlight) {
                return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
            }
            inFlight = true;
            batch = takePending();
        }
        send(batch);
        return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }

    private List<CompletableFuture<Void>> takePending() {
        List<CompletableFuture<Void>> batch = pending;
        pending = new ArrayList<>();
        return batch;
    }

    private void send(List<CompletableFuture<Void>> batch) {
        Node n = node.get();
        PeerId leader = n == null ? null : n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            answered(batch, null, new IllegalStateException("no leader known"));
            return;
        }
        ReadIndexRequest request = ReadIndexRequest.newBuilder()
                .setGroupId(group)
                .setServerId(n.getNodeId().getPeerId().toString())
                .setPeerId(leader.toString())
                .addEntries(ByteString.EMPTY)
                .build();
        sender.send(leader.getEndpoint(), request, rpcTimeoutMs, (response, err) -> answered(batch, response, err));
    }

    private void answered(List<CompletableFuture<Void>> batch, Object response, Throwable err) {
        if (err == null && response instanceof ReadIndexResponse r && r.getSuccess()) {
            long index = r.getIndex();
            Node n = node.get();
            Runnable pass = () -> Completions.complete(batch.size(), i -> batch.get(i).complete(null));
            if (n != null && n.getLastAppliedLogIndex() >= index) {
                pass.run();
            } else {
                applied.await(index).thenRun(pass);
            }
        } else {
            Throwable cause = err != null ? err : new IllegalStateException("the leader refused the read index: "
                    + (response instanceof ReadIndexResponse r ? r.getErrorResponse().getErrorMsg() : response));
            Completions.complete(batch.size(), i -> batch.get(i).completeExceptionally(cause));
        }
        List<CompletableFuture<Void>> next;
        synchronized (lock) {
            if (pending.isEmpty()) {
                inFlight = false;
                return;
            }
            next = takePending();
        }
        send(next);
    }
}
