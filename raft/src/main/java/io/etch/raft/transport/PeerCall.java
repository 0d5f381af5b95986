package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.Connection;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.google.protobuf.Message;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's view of one inbound unary call: processors answer through {@link #sendResponse} from any thread.
 * At most one of response/failure reaches the wire; later ones are dropped. Thread-safe.
 */
final class PeerCall implements RpcContext {

    private static final Logger LOG = LoggerFactory.getLogger(PeerCall.class);

    private final ServerCall<Message, Message> call;
    private final PeerConnection connection;
    private final Message expectedResponse;
    private boolean done; // guarded by this

    PeerCall(ServerCall<Message, Message> call, PeerConnection connection, Message expectedResponse) {
        this.call = call;
        this.connection = connection;
        this.expectedResponse = expectedResponse;
    }

    @Override
    public void sendResponse(Object responseObj) {
        Message wire = responseObj instanceof Message m ? MessageTypes.toWireResponse(m, expectedResponse) : null;
        if (wire == null) {
            LOG.error("{} answered with {}, expected {}", call.getMethodDescriptor().getFullMethodName(),
                responseObj == null ? null : responseObj.getClass().getName(),
                expectedResponse.getClass().getName());
            fail(Status.INTERNAL.withDescription("unexpected response type"), new Metadata());
            return;
        }
        synchronized (this) {
            if (done) {
                LOG.debug("dropping response to finished call {}", call.getMethodDescriptor().getFullMethodName());
                return;
            }
            done = true;
            try {
                call.sendHeaders(new Metadata());
                call.sendMessage(wire);
                call.close(Status.OK, new Metadata());
            } catch (RuntimeException e) { // cancelled meanwhile
                LOG.debug("could not send response on {}", call.getMethodDescriptor().getFullMethodName(), e);
            }
        }
        connection.untrack(this);
    }

    /** Ends the call with a non-OK status unless it has already ended. */
    void fail(Status status, Metadata trailers) {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            try {
                call.close(status, trailers);
            } catch (RuntimeException e) {
                LOG.debug("could not close {}", call.getMethodDescriptor().getFullMethodName(), e);
            }
        }
        connection.untrack(this);
    }

    /** The call ended on the transport side (completed or cancelled). */
    void ended() {
        synchronized (this) {
            done = true;
        }
        connection.untrack(this);
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public String getRemoteAddress() {
        return connection.remoteAddress();
    }
}
