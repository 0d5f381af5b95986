package io.etch.raft.transport;

import com.alipay.sofa.jraft.error.ConnectionFailureException;
import com.alipay.sofa.jraft.error.InvokeTimeoutException;
import com.alipay.sofa.jraft.error.RemotingException;
import com.alipay.sofa.jraft.rpc.InvokeCallback;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.alipay.sofa.jraft.util.Endpoint;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code PeerRpc.Exchange} stream of a {@link GrpcRpcClient} to one peer endpoint, carrying every jraft call
 * of that client to that peer. Each call gets the next call id and waits in {@link #pending} until the first of:
 * the response frame with its id (→ the response, or a {@link RemotingException} for an error frame), its own
 * timeout (→ {@link InvokeTimeoutException}; the other calls go on), the end of the stream (→
 * {@link ConnectionFailureException}). Exactly one of them completes it: whoever removes it from {@link #pending}.
 *
 * <p>States: open → closed. It closes when the server ends the stream (e.g. jraft closed the connection, see
 * {@link PeerConnection#close()}), the transport fails, or {@link #cancel} is called; a closed stream fails its
 * pending calls and any call sent afterwards, and {@link GrpcRpcClient} opens a new stream for the next call.
 *
 * <p>Thread-safe. Frames are written one at a time in {@link #send} order ({@link SerialExecutor}), so calls sent
 * from one thread, or under one lock (jraft's Replicator), reach the server in that order. Callbacks run on
 * {@link InvokeCallback#executor()}, else on the client's pool, and the jraft response inside a frame is parsed
 * there; AppendEntries answers are the exception: parsed and handed to their callback on the transport thread.
 */
final class ClientStream {

    private static final Logger LOG = LoggerFactory.getLogger(ClientStream.class);

    private final Endpoint endpoint;
    private final ManagedChannel channel;
    private final ClientCall<ExchangeFrame, ExchangeFrame> call;
    private final Executor callbackExecutor;
    private final ScheduledExecutorService timer;
    private final Runnable afterAppendAnswer;
    private final SerialExecutor writes = new SerialExecutor();
    private final ConcurrentMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong lastCallId = new AtomicLong();
    private volatile boolean closed;
    private volatile String closedReason = "";

    /**
     * Opens the stream (asynchronously: frames sent before the connection is up wait in gRPC).
     *
     * @param channel the peer's channel, whose callbacks run on the transport thread
     * @param callbackExecutor runs callbacks whose {@link InvokeCallback#executor()} is null
     * @param timer runs call timeouts
     * @param afterAppendAnswer runs on the transport thread after each AppendEntries answer has been handled
     *     (see {@link GrpcRpcClient#setAppendAnswerListener}); must not block
     */
    ClientStream(Endpoint endpoint, ManagedChannel channel, Executor callbackExecutor,
                 ScheduledExecutorService timer, Runnable afterAppendAnswer) {
        this.endpoint = endpoint;
        this.channel = channel;
        this.callbackExecutor = callbackExecutor;
        this.timer = timer;
        this.afterAppendAnswer = afterAppendAnswer;
        // A call inherits the gRPC Context current when it is created, and is cancelled with it: a stream
        // opened while a server call runs (a peer request being handled) would end with that call.
        io.grpc.Context previous = io.grpc.Context.ROOT.attach();
        try {
            this.call = channel.newCall(ExchangeFrame.EXCHANGE, CallOptions.DEFAULT);
        } finally {
            io.grpc.Context.ROOT.detach(previous);
        }
        writes.execute(() -> {
            call.start(new Listener(), new Metadata());
            call.request(1);
        });
    }

    ManagedChannel channel() {
        return channel;
    }

    /** True once the stream has ended; then every call sent on it fails. */
    boolean isClosed() {
        return closed;
    }

    /**
     * Sends {@code request} and completes {@code callback} exactly once. Never blocks; the request is serialized
     * by whichever thread writes it (see {@link SerialExecutor}), so it must not change once sent (protobuf
     * messages do not).
     *
     * @param responsePrototype the response type of {@code request}
     */
    void send(Message request, Message responsePrototype, InvokeCallback callback, long timeoutMs) {
        long id = lastCallId.incrementAndGet();
        ExchangeFrame frame = ExchangeFrame.request(id, request);
        Pending p = new Pending(callback, responsePrototype);
        pending.put(id, p);
        // the end of the stream sets closed, then fails what is pending: one of the two sees this call (and if
        // both missed it, its timeout would still complete it)
        if (closed) {
            if (pending.remove(id, p)) {
                complete(p, null, connectionFailure());
            }
            return;
        }
        writes.execute(() -> write(frame));
        try {
            p.timeout = timer.schedule(() -> {
                if (pending.remove(id, p)) {
                    complete(p, null, new InvokeTimeoutException("no answer from " + endpoint + " within "
                        + timeoutMs + " ms"));
                }
            }, timeoutMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) { // the client is shutting down
            if (pending.remove(id, p)) {
                complete(p, null, new RemotingException("rpc client is shut down"));
            }
        }
    }

    /** Ends the stream from this side; pending calls fail with {@link ConnectionFailureException}. */
    void cancel(String reason) {
        writes.execute(() -> call.cancel(reason, null));
    }

    private void write(ExchangeFrame frame) {
        if (closed) {
            return; // the call has been failed by onClose
        }
        try {
            call.sendMessage(frame);
        } catch (RuntimeException e) { // cancelled meanwhile: onClose fails the call
            LOG.debug("cannot send to {}: {}", endpoint, e.toString());
        }
    }

    private ConnectionFailureException connectionFailure() {
        return new ConnectionFailureException("peer stream to " + endpoint + " closed: " + closedReason);
    }

    private void complete(Pending p, Message response, Throwable err) {
        p.cancelTimeout();
        runCallback(p.callback, () -> p.callback.complete(response, err));
    }

    /** Completes a call with its response frame, parsing it where the callback runs. */
    private void answer(Pending p, ExchangeFrame frame) {
        p.cancelTimeout();
        Runnable completion = () -> {
            Message response = null;
            Throwable err = null;
            if (!frame.error().isEmpty()) {
                err = new RemotingException("rpc to " + endpoint + " failed: " + frame.error());
            } else {
                try {
                    response = MessageTypes.parseResponse(p.responsePrototype, frame.payload());
                } catch (InvalidProtocolBufferException e) {
                    err = new RemotingException("invalid response from " + endpoint, e);
                }
            }
            p.callback.complete(response, err);
        };
        // An AppendEntries answer runs here, on the transport thread, not on the callback's executor (jraft's
        // per-peer send thread). The leader's replicator takes its own lock, counts the vote towards the commit
        // index, hands committed entries to the state machine's queue and sends the next entries: no step blocks,
        // and one stream's answers reach it in arrival order, as through that single-thread executor. A hand-off
        // saved per answer on the path of every write (60 µs at the median on the 2-core bench box, see
        // docs/benchmarks.md, session 9); the sends that follow need no wake-up of the transport thread either.
        if (p.responsePrototype instanceof RpcRequests.AppendEntriesResponse) {
            runGuarded(completion);
            runGuarded(afterAppendAnswer);
        } else {
            runCallback(p.callback, completion);
        }
    }

    private static void runGuarded(Runnable completion) {
        try {
            completion.run();
        } catch (Throwable t) {
            LOG.error("rpc callback failed", t);
        }
    }

    private void runCallback(InvokeCallback callback, Runnable completion) {
        Runnable task = () -> runGuarded(completion);
        Executor executor = callback.executor();
        try {
            (executor != null ? executor : callbackExecutor).execute(task);
        } catch (RejectedExecutionException e) { // shutting down
            task.run();
        }
    }

    private static final class Pending {
        final InvokeCallback callback;
        final Message responsePrototype;
        volatile ScheduledFuture<?> timeout; // null until scheduled

        Pending(InvokeCallback callback, Message responsePrototype) {
            this.callback = callback;
            this.responsePrototype = responsePrototype;
        }

        /** A timeout scheduled after completion is not cancelled; it finds nothing pending and does nothing. */
        void cancelTimeout() {
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    /** Runs on the transport thread (the channel uses a direct executor). */
    private final class Listener extends ClientCall.Listener<ExchangeFrame> {
        @Override
        public void onMessage(ExchangeFrame frame) {
            call.request(1);
            Pending p = pending.remove(frame.callId());
            if (p == null) {
                LOG.debug("answer from {} to call {}, which has timed out", endpoint, frame.callId());
                return;
            }
            answer(p, frame);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            closedReason = trailers.containsKey(PeerConnection.CLOSED_KEY) ? "closed by the peer"
                : status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
            closed = true;
            int failed = 0;
            for (Long id : pending.keySet()) {
                Pending p = pending.remove(id);
                if (p != null) {
                    complete(p, null, connectionFailure());
                    failed++;
                }
            }
            if (failed > 0) {
                LOG.info("peer stream to {} ended ({}), {} calls failed", endpoint, closedReason, failed);
            } else {
                LOG.debug("peer stream to {} ended ({})", endpoint, closedReason);
            }
        }
    }
}
