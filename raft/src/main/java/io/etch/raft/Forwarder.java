package io.etch.raft;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.raft.transport.PeerChannels;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a follower's write to the leader over the peer port (Etch's {@code etchpb.Forward} service).
 * A write is retried by the caller only when it provably never reached the leader, so a forwarded
 * write is applied at most once.
 */
final class Forwarder {
    private final PeerChannels channels;

    Forwarder(PeerChannels channels) {
        this.channels = channels;
    }

    CompletableFuture<RaftResult> forward(String host, int port, RaftCommand cmd, long timeoutMs) {
        CompletableFuture<RaftResult> out = new CompletableFuture<>();
        ForwardGrpc.ForwardFutureStub stub = ForwardGrpc.newFutureStub(channels.channel(host, port))
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
        Futures.addCallback(stub.propose(cmd), new FutureCallback<>() {
            @Override
            public void onSuccess(RaftResult result) {
                out.complete(result);
            }

            @Override
            public void onFailure(Throwable t) {
                out.completeExceptionally(classify(t));
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    /** Asks the leader to renew lease {@code id} (a follower's LeaseKeepAlive). */
    CompletableFuture<io.etch.api.etchpb.LeaseRenewResult> renew(String host, int port, long id, long timeoutMs) {
        return call(ForwardGrpc.newFutureStub(channels.channel(host, port))
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .leaseRenew(io.etch.api.etcdserverpb.LeaseKeepAliveRequest.newBuilder().setID(id).build()));
    }

    /** Asks the leader for a lease's time to live (a follower's LeaseTimeToLive). */
    CompletableFuture<io.etch.api.etchpb.LeaseTimeToLiveResult> timeToLive(String host, int port,
            io.etch.api.etcdserverpb.LeaseTimeToLiveRequest request, long timeoutMs) {
        return call(ForwardGrpc.newFutureStub(channels.channel(host, port))
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                .leaseTimeToLive(request));
    }

    private static <T> CompletableFuture<T> call(com.google.common.util.concurrent.ListenableFuture<T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Futures.addCallback(f, new FutureCallback<>() {
            @Override
            public void onSuccess(T result) {
                out.complete(result);
            }

            @Override
            public void onFailure(Throwable t) {
                out.completeExceptionally(classify(t));
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    private static Throwable classify(Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            Status.Code code = sre.getStatus().getCode();
            if (code == Status.Code.UNAVAILABLE && causedByConnect(sre)) {
                return new NotDeliveredException();
            }
            if (code == Status.Code.DEADLINE_EXCEEDED) {
                return new EtcdException(EtcdError.TIMEOUT);
            }
            return new EtcdException(EtcdError.TIMEOUT_DUE_TO_CONNECTION_LOST);
        }
        return new EtcdException(EtcdError.TIMEOUT_DUE_TO_CONNECTION_LOST);
    }

    private static boolean causedByConnect(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException || c.getClass().getName().endsWith("ConnectTimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /** The forward never reached the leader (connection refused): safe to retry. */
    static final class NotDeliveredException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotDeliveredException() {
            super("leader not reachable", null, false, false);
        }
    }
}
