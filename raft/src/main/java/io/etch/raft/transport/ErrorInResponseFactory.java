package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.alipay.sofa.jraft.rpc.RpcResponseFactory;
import com.google.protobuf.Message;

/**
 * Builds jraft error responses as the expected response type with the ErrorResponse in field 99 (what
 * {@code AbstractClientService} reads), so each request type is answered with one message type. Required fields
 * of the response type are left unset ({@code buildPartial}).
 */
final class ErrorInResponseFactory implements RpcResponseFactory {

    @Override
    public Message newResponse(Message parent, int code, String fmt, Object... args) {
        RpcRequests.ErrorResponse.Builder error = RpcRequests.ErrorResponse.newBuilder().setErrorCode(code);
        if (fmt != null) {
            error.setErrorMsg(args == null || args.length == 0 ? fmt : String.format(fmt, args));
        }
        RpcRequests.ErrorResponse bare = error.build();
        if (parent == null || parent instanceof RpcRequests.ErrorResponse) {
            return bare;
        }
        Message wrapped = MessageTypes.toWireResponse(bare, parent);
        return wrapped != null ? wrapped : bare;
    }
}
