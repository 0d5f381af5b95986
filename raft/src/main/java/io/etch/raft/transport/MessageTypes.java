package io.etch.raft.transport;

import com.alipay.sofa.jraft.rpc.CliRequests;
import com.alipay.sofa.jraft.rpc.RpcRequests;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * jraft's request types, the response type each one is answered with, and one gRPC unary method per request
 * type ({@code <proto full name of the request>/Invoke}, e.g. {@code jraft.AppendEntriesRequest/Invoke}).
 *
 * <p>jraft processors answer errors with a bare {@link RpcRequests.ErrorResponse} or with the response type
 * carrying field 99 ({@code errorResponse}) and none of its required fields. So responses travel as the
 * request's response type, parsed partially (required fields may be missing); {@link #toWireResponse} wraps a
 * bare ErrorResponse into field 99. Thread-safe.
 */
final class MessageTypes {

    static final String METHOD_NAME = "Invoke";

    private static final Map<String, Message> RESPONSES = new ConcurrentHashMap<>();
    private static final Map<String, Message> PROTOTYPES = new ConcurrentHashMap<>();
    private static final Map<String, MethodDescriptor<Message, Message>> METHODS = new ConcurrentHashMap<>();

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

    /** The unary method carrying requests of class {@code requestClassName}; cached. */
    static MethodDescriptor<Message, Message> method(String requestClassName) {
        MethodDescriptor<Message, Message> m = METHODS.get(requestClassName);
        if (m != null) {
            return m;
        }
        return METHODS.computeIfAbsent(requestClassName, name -> {
            Message request = prototype(name);
            Message response = responsePrototype(name);
            return MethodDescriptor.<Message, Message>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(
                    request.getDescriptorForType().getFullName(), METHOD_NAME))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(new PartialMarshaller(response))
                .setSampledToLocalTracing(false)
                .build();
        });
    }

    /**
     * Shapes a processor's response as the method's response type: returns it unchanged when it already is,
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

    /** Writes like protobuf's marshaller; parses without checking required fields (error responses lack them). */
    private static final class PartialMarshaller implements MethodDescriptor.Marshaller<Message> {
        private final Message prototype;
        private final MethodDescriptor.Marshaller<Message> writer;

        PartialMarshaller(Message prototype) {
            this.prototype = prototype;
            this.writer = ProtoUtils.marshaller(prototype);
        }

        @Override
        public InputStream stream(Message value) {
            return writer.stream(value);
        }

        @Override
        public Message parse(InputStream stream) {
            try {
                CodedInputStream in = CodedInputStream.newInstance(stream);
                in.setSizeLimit(Integer.MAX_VALUE);
                return prototype.getParserForType().parsePartialFrom(in);
            } catch (InvalidProtocolBufferException e) {
                throw Status.INTERNAL.withDescription("invalid response for " + prototype.getDescriptorForType()
                    .getFullName()).withCause(e).asRuntimeException();
            }
        }
    }
}
