package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.Connection;
import com.alipay.sofa.jraft.rpc.RpcContext;
import com.google.protobuf.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jraft's view of one inbound request: processors answer through {@link #sendResponse} from any thread, and the
 * answer goes back on the request's stream tagged with its call id. A processor is expected to answer once; the
 * client ignores any later frame for the same id. Thread-safe.
 */
final class PeerCall implements RpcContext {

    private static final Logger LOG = LoggerFactory.getLogger(PeerCall.class);

    private final PeerConnection connection;
    private final long callId;
    private final Message expectedResponse;

    PeerCall(PeerConnection connection, long callId, Message expectedResponse) {
        this.connection = connection;
        this.callId = callId;
        this.expectedResponse = expectedResponse;
    }

    /** Sends {@code responseObj}, shaped as the request's response type ({@link MessageTypes#toWireResponse}). */
    @Override
    public void sendResponse(Object responseObj) {
        Message wire = responseObj instanceof Message m ? MessageTypes.toWireResponse(m, expectedResponse) : null;
        if (wire == null) {
            LOG.error("answer {} to a request expecting {}", responseObj == null ? null
                : responseObj.getClass().getName(), expectedResponse.getClass().getName());
            fail("unexpected response type");
            return;
        }
        connection.send(ExchangeFrame.response(callId, wire));
    }

    /** Answers with an error frame: the client fails the call with a {@code RemotingException}. */
    void fail(String error) {
        connection.send(ExchangeFrame.error(callId, error));
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
