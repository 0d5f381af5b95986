package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.RpcProcessor;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.Message;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one jraft {@link RpcProcessor} as a unary gRPC method. Runs on the transport thread (the server uses a
 * direct executor for these methods) and only hands requests to an executor: the processor's
 * {@code executorSelector()} (requests then keep their per-connection arrival order, see
 * {@link PeerConnection}), else its {@code executor()}, else the server's default executor.
 */
final class ProcessorCallHandler implements ServerCallHandler<Message, Message> {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessorCallHandler.class);

    private final RpcProcessor<Object> processor;
    private final Message expectedResponse;
    private final Executor defaultExecutor;
    private final boolean ordered;

    @SuppressWarnings("unchecked")
    ProcessorCallHandler(RpcProcessor<?> processor, Message expectedResponse, Executor defaultExecutor) {
        this.processor = (RpcProcessor<Object>) processor;
        this.expectedResponse = expectedResponse;
        this.defaultExecutor = defaultExecutor;
        this.ordered = processor.executorSelector() != null;
    }

    @Override
    public ServerCall.Listener<Message> startCall(ServerCall<Message, Message> call, Metadata headers) {
        PeerConnection conn = call.getAttributes().get(GrpcRpcServer.CONNECTION_KEY);
        if (conn == null) { // a transport without our filter: no per-connection state to share
            conn = new PeerConnection(String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
                c -> { });
        }
        PeerCall ctx = new PeerCall(call, conn, expectedResponse);
        if (!conn.track(ctx)) {
            call.close(PeerConnection.CLOSED_STATUS, PeerConnection.closedTrailers());
            return new ServerCall.Listener<>() { };
        }
        PeerConnection.Slot slot = ordered ? conn.reserve() : null;
        call.request(2); // a second message is a protocol error we want to see
        return new CallListener(conn, ctx, slot);
    }

    private final class CallListener extends ServerCall.Listener<Message> {
        private final PeerConnection conn;
        private final PeerCall ctx;
        private final PeerConnection.Slot slot;
        private Message request; // transport thread only

        CallListener(PeerConnection conn, PeerCall ctx, PeerConnection.Slot slot) {
            this.conn = conn;
            this.ctx = ctx;
            this.slot = slot;
        }

        @Override
        public void onMessage(Message message) {
            if (request != null) {
                reject(Status.INTERNAL.withDescription("more than one request in a unary call"));
                return;
            }
            request = message;
        }

        @Override
        public void onHalfClose() {
            if (request == null) {
                reject(Status.INTERNAL.withDescription("no request in a unary call"));
                return;
            }
            Message req = request;
            if (slot != null) {
                conn.ready(slot, () -> dispatch(ctx, req));
            } else {
                dispatch(ctx, req);
            }
        }

        @Override
        public void onCancel() {
            ended();
        }

        @Override
        public void onComplete() {
            ended();
        }

        private void ended() {
            ctx.ended();
            if (slot != null) {
                conn.abandon(slot);
            }
        }

        private void reject(Status status) {
            ctx.fail(status, new Metadata());
            if (slot != null) {
                conn.abandon(slot);
            }
        }
    }

    private void dispatch(PeerCall ctx, Message request) {
        Executor executor = null;
        RpcProcessor.ExecutorSelector selector = processor.executorSelector();
        try {
            if (selector != null) {
                executor = selector.select(processor.interest(), header(request));
            }
            if (executor == null) {
                executor = processor.executor();
            }
            if (executor == null) {
                executor = defaultExecutor;
            }
            executor.execute(() -> handle(ctx, request));
        } catch (RejectedExecutionException e) {
            LOG.warn("{} rejected by its executor", processor.interest());
            ctx.fail(Status.RESOURCE_EXHAUSTED.withDescription("peer request executor is full"), new Metadata());
        } catch (RuntimeException e) {
            LOG.error("cannot dispatch {}", processor.interest(), e);
            ctx.fail(Status.INTERNAL.withDescription("cannot dispatch: " + e), new Metadata());
        }
    }

    private void handle(PeerCall ctx, Message request) {
        try {
            processor.handleRequest(ctx, request);
        } catch (Throwable t) {
            LOG.error("{} failed", processor.interest(), t);
            ctx.fail(Status.INTERNAL.withDescription("processor failed: " + t), new Metadata());
        }
    }

    /** What Bolt hands to executor selectors: the AppendEntries header, null for other requests. */
    private static Object header(Message request) {
        if (request instanceof RpcRequests.AppendEntriesRequest r) {
            return RpcRequests.AppendEntriesRequestHeader.newBuilder()
                .setGroupId(r.getGroupId())
                .setPeerId(r.getPeerId())
                .setServerId(r.getServerId())
                .build();
        }
        return null;
    }
}
