package io.etch.raft.transport;

import io.etch.api.etchpb.PeerRpcGrpc;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import java.util.function.Consumer;

/**
 * Serves {@code PeerRpc.Exchange}: each inbound stream becomes one {@link PeerConnection}, and each request frame
 * on it goes to {@link ProcessorTable#dispatch} in arrival order. Runs on the transport thread (the server uses a
 * direct executor for this method) and never blocks it. Thread-safe.
 */
final class ExchangeHandler implements ServerCallHandler<ExchangeFrame, ExchangeFrame> {

    private final ProcessorTable processors;
    private final Consumer<PeerConnection> onClosed;

    /** @param onClosed called once per connection when it closes, on whichever thread closed it */
    ExchangeHandler(ProcessorTable processors, Consumer<PeerConnection> onClosed) {
        this.processors = processors;
        this.onClosed = onClosed;
    }

    /** The {@code PeerRpc} service definition served by this handler. */
    ServerServiceDefinition service() {
        return ServerServiceDefinition.builder(PeerRpcGrpc.SERVICE_NAME)
            .addMethod(ExchangeFrame.EXCHANGE, this)
            .build();
    }

    @Override
    public ServerCall.Listener<ExchangeFrame> startCall(ServerCall<ExchangeFrame, ExchangeFrame> call,
                                                       Metadata headers) {
        PeerConnection conn = new PeerConnection(call,
            GrpcRpcServer.address(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)), onClosed);
        call.request(1);
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(ExchangeFrame frame) {
                call.request(1);
                if (!conn.isClosed()) {
                    processors.dispatch(conn, frame);
                }
            }

            @Override
            public void onHalfClose() {
                conn.finished();
            }

            @Override
            public void onCancel() {
                conn.terminated();
            }

            @Override
            public void onComplete() {
                conn.terminated();
            }
        };
    }
}
