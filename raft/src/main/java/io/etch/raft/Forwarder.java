package io.etch.raft;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftCommandBatch;
import io.etch.api.etchpb.RaftResult;
import io.etch.api.etchpb.RaftResultBatch;
import io.etch.raft.transport.PeerChannels;
import io.etch.storage.EtcdError;
import io.etch.storage.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a follower's write to the leader over the peer port (Etch's {@code etchpb.Forward} service).
 * A write is retried by the caller only when it provably never reached the leader, so a forwarded
 * write is applied at most once.
 */
final class Forwarder {
    private final PeerChannels channels;
    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private final java.util.concurrent.ConcurrentHashMap<String, ProposalStream> streams =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Most commands per message to the leader. */
    private static final int MAX_BATCH_ITEMS = 4096;
    /** Sends the queued commands of every proposal stream; one thread, so batches leave in queue order. */
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "etch-forward");
        t.setDaemon(true);
        return t;
    });

    Forwarder(PeerChannels channels) {
        this.channels = channels;
    }

    /**
     * Sends {@code cmd} to the leader at {@code host:port} over this member's proposal stream to it.
     *
     * @return the leader's result; fails with {@link NotDeliveredException} when the leader could not be
     *     reached at all (safe to retry), {@code TIMEOUT} after {@code timeoutMs}, or
     *     {@code TIMEOUT_DUE_TO_CONNECTION_LOST} when the stream broke after the command was sent
     */
    CompletableFuture<RaftResult> forward(String host, int port, RaftCommand cmd, long timeoutMs) {
        String key = host + ":" + port;
        ProposalStream stream = streams.compute(key, (k, s) -> s == null || s.broken ? new ProposalStream(host, port) : s);
        return stream.send(cmd, timeoutMs);
    }

    /** Closes every proposal stream (their pending commands fail as STOPPED) and the sending thread. */
    void close() {
        streams.values().forEach(ProposalStream::close);
        streams.clear();
        sender.shutdown();
    }

    /**
     * One long-lived {@code Forward/ProposeStream} to a leader: commands are queued and go out in batches
     * (everything queued while the previous batch was being sent, see {@link Coalescer}), in order;
     * results come back in completion order and are matched by command id. A broken stream fails
     * everything pending and is replaced by the next {@link #forward}.
     */
    private final class ProposalStream {
        private final java.util.concurrent.ConcurrentHashMap<Long, CompletableFuture<RaftResult>> pending =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final io.grpc.stub.StreamObserver<RaftCommandBatch> requests;
        private final Coalescer<RaftCommand> outbox = new Coalescer<>(sender, this::sendBatch,
                RaftCommand::getSerializedSize, MAX_BATCH_ITEMS, ForwardService.MAX_BATCH_BYTES);
        private volatile boolean broken;

        ProposalStream(String host, int port) {
            // Opened outside the caller's gRPC Context: the first forward usually runs inside a client's
            // KV call, and a stream created there is cancelled when that call completes ("Context was
            // cancelled"), failing every proposal in flight on it as connection lost.
            io.grpc.Context previous = io.grpc.Context.ROOT.attach();
            try {
                requests = open(host, port);
            } finally {
                io.grpc.Context.ROOT.detach(previous);
            }
        }

        private io.grpc.stub.StreamObserver<RaftCommandBatch> open(String host, int port) {
            return ForwardGrpc.newStub(channels.channel(host, port)).proposeStream(new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(RaftResultBatch batch) {
                    for (RaftResult r : batch.getResultsList()) {
                        CompletableFuture<RaftResult> f = pending.remove(r.getId());
                        if (f != null) {
                            f.complete(r);
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    LOG.info("proposal stream to {}:{} ended ({}), {} proposals pending", host, port, t, pending.size());
                    fail(classify(t));
                }

                @Override
                public void onCompleted() {
                    fail(new EtcdException(EtcdError.TIMEOUT_DUE_TO_CONNECTION_LOST));
                }
            });
        }

        CompletableFuture<RaftResult> send(RaftCommand cmd, long timeoutMs) {
            CompletableFuture<RaftResult> f = new CompletableFuture<>();
            pending.put(cmd.getId(), f);
            f.whenComplete((r, e) -> pending.remove(cmd.getId(), f));
            if (broken) {
                f.completeExceptionally(new NotDeliveredException());
                return f;
            }
            try {
                outbox.offer(cmd);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                f.completeExceptionally(new EtcdException(EtcdError.STOPPED));
                return f;
            }
            CompletableFuture<RaftResult> out = new CompletableFuture<>();
            f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
                if (e == null) {
                    out.complete(r);
                    return;
                }
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                out.completeExceptionally(c instanceof java.util.concurrent.TimeoutException
                        ? new EtcdException(EtcdError.TIMEOUT) : c);
            });
            return out;
        }

        /** Sends one batch, or, once the stream broke, fails its commands as never delivered. */
        private void sendBatch(java.util.List<RaftCommand> batch) {
            synchronized (this) {
                if (!broken) {
                    requests.onNext(RaftCommandBatch.newBuilder().addAllCommands(batch).build());
                    return;
                }
            }
            for (RaftCommand cmd : batch) {
                CompletableFuture<RaftResult> f = pending.remove(cmd.getId());
                if (f != null) {
                    f.completeExceptionally(new NotDeliveredException());
                }
            }
        }

        private void fail(Throwable cause) {
            synchronized (this) {
                broken = true;
            }
            for (CompletableFuture<RaftResult> f : pending.values()) {
                f.completeExceptionally(cause);
            }
            pending.clear();
        }

        void close() {
            synchronized (this) {
                if (!broken) {
                    broken = true;
                    requests.onCompleted();
                }
            }
            fail(new EtcdException(EtcdError.STOPPED));
        }
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
