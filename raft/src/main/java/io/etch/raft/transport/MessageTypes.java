package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jraft's request types and the response type each one is answered with, plus the codec of the messages inside a
 * {@link io.etch.api.etchpb.PeerFrame}: a request frame names its type by the protobuf full name of the request
 * ({@code jraft.AppendEntriesRequest}), a response frame is parsed as the response type of its request.
 *
 * <p>jraft processors answer errors with a bare {@link RpcRequests.ErrorResponse} or with the response type
 * carrying field 99 ({@code errorResponse}) and none of its required fields. So responses travel as the
 * request's response type, parsed partially (required fields may be missing); {@link #toWireResponse} wraps a
 * bare ErrorResponse into field 99. Thread-safe.
 */
final class MessageTypes {

    private static final Map<String, Message> RESPONSES = new ConcurrentHashMap<>();
    private static final Map<String, Message> PROTOTYPES = new ConcurrentHashMap<>();

    static {
        response(RpcRequests.PingRequest.class, RpcRequests.ErrorResponse.getDefaultInstance());
        response(RpcRequests.AppendEntriesRequest.class, RpcRequests.AppendEntriesResponse.getDefaultInstance());
        response(RpcRequests.GetFileRequest.class, RpcRequests.GetFileResponse.getDefaultInstance());
        response(RpcRequests.InstallSnapshotRequest.class, RpcRequests.InstallSnapshotResponse.getDefaultInstance());
        response(RpcRequests.RequestVoteRequest.class, RpcRequests.RequestVoteResponse.getDefaultInstance());
        response(RpcRequests.TimeoutNowRequest.class, RpcRequests.TimeoutNowResponse.getDefaultInstance());
        response(RpcRequests.ReadIndexRequest.class, RpcRequests.ReadIndexResponse.getDefaultInstance());
        response(CliRequests.AddPeerRequest.class, CliRequests.AddPeerResponse.getDefaultInstance());
        response(CliRequests.RemovePeerRequest.class, CliRequests.RemovePeerResponse.getDefaultInstance());
        response(CliRequests.ResetPeerRequest.class, RpcRequests.ErrorResponse.getDefaultInstance());
        response(CliRequests.ChangePeersRequest.class, CliRequests.ChangePeersResponse.getDefaultInstance());
        response(CliRequests.GetLeaderRequest.class, CliRequests.GetLeaderResponse.getDefaultInstance());
        response(CliRequests.SnapshotRequest.class, RpcRequests.ErrorResponse.getDefaultInstance());
        response(CliRequests.TransferLeaderRequest.class, RpcRequests.ErrorResponse.getDefaultInstance());
        response(CliRequests.GetPeersRequest.class, CliRequests.GetPeersResponse.getDefaultInstance());
        response(CliRequests.AddLearnersRequest.class, CliRequests.LearnersOpResponse.getDefaultInstance());
        response(CliRequests.RemoveLearnersRequest.class, CliRequests.LearnersOpResponse.getDefaultInstance());
        response(CliRequests.ResetLearnersRequest.class, CliRequests.LearnersOpResponse.getDefaultInstance());
    }

    private MessageTypes() {}

    private static void response(Class<? extends Message> request, Message response) {
        RESPONSES.put(request.getName(), response);
    }

    /** Records the response type of a request type (by Java class name) not in jraft's own table. */
    static void registerResponse(String requestClassName, Message responsePrototype) {
        RESPONSES.put(requestClassName, responsePrototype);
    }

    /** Records a message prototype under its Java class name (what jraft's registerProtobufSerializer passes). */
    static void registerPrototype(String className, Message prototype) {
        PROTOTYPES.put(className, prototype);
    }

    /**
     * The default instance of the message class {@code className} (Java binary name).
     *
     * @throws IllegalArgumentException if the class is not a generated protobuf message
     */
    static Message prototype(String className) {
        return PROTOTYPES.computeIfAbsent(className, name -> {
            try {
                Class<?> cls = Class.forName(name, true, MessageTypes.class.getClassLoader());
                return (Message) cls.getMethod("getDefaultInstance").invoke(null);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("not a protobuf message class: " + name, e);
            }
        });
    }

    /**
     * The response prototype for requests of class {@code requestClassName}.
     *
     * @throws IllegalArgumentException if the request type is unknown
     */
    static Message responsePrototype(String requestClassName) {
        Message resp = RESPONSES.get(requestClassName);
        if (resp == null) {
            throw new IllegalArgumentException("no response type known for request " + requestClassName
                + " (GrpcRaftRpcFactory.registerResponseType)");
        }
        return resp;
    }

    /** The tag of a request frame: the protobuf full name of the message type, e.g. {@code jraft.PingRequest}. */
    static String typeName(Message message) {
        return message.getDescriptorForType().getFullName();
    }

    /**
     * Parses a request of the type of {@code prototype}, checking its required fields. Byte fields share
     * {@code payload}'s array (AppendEntries data is not copied again).
     *
     * @throws InvalidProtocolBufferException if the bytes are not such a message
     */
    static Message parseRequest(Message prototype, ByteString payload) throws InvalidProtocolBufferException {
        return prototype.getParserForType().parseFrom(aliasing(payload));
    }

    /**
     * Parses a response of the type of {@code prototype} without checking required fields (error responses
     * lack them).
     *
     * @throws InvalidProtocolBufferException if the bytes are not such a message
     */
    static Message parseResponse(Message prototype, ByteString payload) throws InvalidProtocolBufferException {
        return prototype.getParserForType().parsePartialFrom(aliasing(payload));
    }

    private static CodedInputStream aliasing(ByteString payload) {
        CodedInputStream in = payload.newCodedInput();
        in.enableAliasing(true); // payload is immutable and owned by its frame
        return in;
    }

    /**
     * Shapes a processor's response as its request's response type: returns it unchanged when it already is,
     * wraps a bare ErrorResponse into field 99.
     *
     * @return the message to send, or {@code null} if {@code response} cannot travel as {@code expected}
     */
    static Message toWireResponse(Message response, Message expected) {
        if (response.getClass() == expected.getClass()) {
            return response;
        }
        if (response instanceof RpcRequests.ErrorResponse) {
            var fd = expected.getDescriptorForType()
                .findFieldByNumber(com.alipay.sofa.jraft.rpc.RpcResponseFactory.ERROR_RESPONSE_NUM);
            if (fd != null && fd.getMessageType() == RpcRequests.ErrorResponse.getDescriptor()) {
                return expected.newBuilderForType().setField(fd, response).buildPartial();
            }
        }
        return null;
    }
}
