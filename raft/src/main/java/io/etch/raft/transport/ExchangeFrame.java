package io.etch.raft.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.etch.api.etchpb.PeerFrame;
import io.etch.api.etchpb.PeerRpcGrpc;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One {@code etchpb.PeerFrame} on a {@code PeerRpc.Exchange} stream, and the method descriptor that carries it
 * ({@link #EXCHANGE}). The bytes on the wire are exactly {@code PeerFrame}'s; the codec only saves copies: an
 * outgoing frame holds the jraft message itself and serializes it straight into gRPC's buffers, and an incoming
 * frame is read into one array that its payload (and, through {@link MessageTypes}, the parsed message's byte
 * fields) then share.
 *
 * <p>Immutable, so thread-safe. {@link #payload()} of an outgoing frame serializes its message again (tests only).
 */
final class ExchangeFrame {

    /** {@code etchpb.PeerRpc/Exchange} with this codec in both directions. */
    static final MethodDescriptor<ExchangeFrame, ExchangeFrame> EXCHANGE = MethodDescriptor
        .<ExchangeFrame, ExchangeFrame>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(PeerRpcGrpc.getExchangeMethod().getFullMethodName())
        .setRequestMarshaller(new Codec())
        .setResponseMarshaller(new Codec())
        .setSampledToLocalTracing(false)
        .build();

    private final long callId;
    private final String type;
    private final Message message; // outgoing frames
    private final ByteString payload; // incoming frames
    private final String error;

    private ExchangeFrame(long callId, String type, Message message, ByteString payload, String error) {
        this.callId = callId;
        this.type = type;
        this.message = message;
        this.payload = payload;
        this.error = error;
    }

    /** A request: {@code type} is the request's protobuf full name. */
    static ExchangeFrame request(long callId, Message request) {
        return new ExchangeFrame(callId, MessageTypes.typeName(request), request, null, "");
    }

    static ExchangeFrame response(long callId, Message response) {
        return new ExchangeFrame(callId, "", response, null, "");
    }

    /** An answer that carries no response: the server could not process the request. */
    static ExchangeFrame error(long callId, String error) {
        return new ExchangeFrame(callId, "", null, null, error);
    }

    long callId() {
        return callId;
    }

    /** The request type's protobuf full name; empty for responses. */
    String type() {
        return type;
    }

    /** Non-empty if this answer is an error. */
    String error() {
        return error;
    }

    /** The serialized jraft message; empty for an error. */
    ByteString payload() {
        if (message != null) {
            return message.toByteString();
        }
        return payload != null ? payload : ByteString.EMPTY;
    }

    // --- wire format: PeerFrame's fields 1..4 ---

    private int serializedSize() {
        int size = 0;
        if (callId != 0) {
            size += CodedOutputStream.computeUInt64Size(PeerFrame.CALL_ID_FIELD_NUMBER, callId);
        }
        if (!type.isEmpty()) {
            size += CodedOutputStream.computeStringSize(PeerFrame.TYPE_FIELD_NUMBER, type);
        }
        if (message != null) {
            size += CodedOutputStream.computeMessageSize(PeerFrame.PAYLOAD_FIELD_NUMBER, message);
        }
        if (!error.isEmpty()) {
            size += CodedOutputStream.computeStringSize(PeerFrame.ERROR_FIELD_NUMBER, error);
        }
        return size;
    }

    private void writeTo(CodedOutputStream out) throws IOException {
        if (callId != 0) {
            out.writeUInt64(PeerFrame.CALL_ID_FIELD_NUMBER, callId);
        }
        if (!type.isEmpty()) {
            out.writeString(PeerFrame.TYPE_FIELD_NUMBER, type);
        }
        if (message != null) { // a bytes field holding the message: the same bytes as a message field
            out.writeTag(PeerFrame.PAYLOAD_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(message.getSerializedSize());
            message.writeTo(out);
        }
        if (!error.isEmpty()) {
            out.writeString(PeerFrame.ERROR_FIELD_NUMBER, error);
        }
    }

    static ExchangeFrame parse(byte[] bytes) throws IOException {
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        in.enableAliasing(true); // bytes is this frame's own array
        PeerFrame frame = PeerFrame.parseFrom(in);
        return new ExchangeFrame(frame.getCallId(), frame.getType(), null, frame.getPayload(), frame.getError());
    }

    /** gRPC marshaller: {@link Drainable} output, so gRPC's framer receives the bytes without a copy in between. */
    private static final class Codec implements MethodDescriptor.Marshaller<ExchangeFrame> {
        @Override
        public InputStream stream(ExchangeFrame frame) {
            return new FrameStream(frame);
        }

        @Override
        public ExchangeFrame parse(InputStream stream) {
            try {
                byte[] bytes = stream instanceof KnownLength
                    ? stream.readNBytes(stream.available()) : stream.readAllBytes();
                return ExchangeFrame.parse(bytes);
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("invalid PeerFrame").withCause(e).asRuntimeException();
            }
        }
    }

    private static final class FrameStream extends InputStream implements Drainable, KnownLength {
        private final ExchangeFrame frame;
        private final int size;
        private ByteArrayInputStream fallback; // only if gRPC reads instead of draining
        private boolean drained;

        FrameStream(ExchangeFrame frame) {
            this.frame = frame;
            this.size = frame.serializedSize();
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (drained || fallback != null) {
                throw new IllegalStateException("frame already read");
            }
            drained = true;
            CodedOutputStream out = CodedOutputStream.newInstance(target,
                Math.min(size, CodedOutputStream.DEFAULT_BUFFER_SIZE));
            frame.writeTo(out);
            out.flush();
            return size;
        }

        @Override
        public int available() {
            if (fallback != null) {
                return fallback.available();
            }
            return drained ? 0 : size;
        }

        @Override
        public int read() throws IOException {
            return bytes().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return bytes().read(b, off, len);
        }

        private ByteArrayInputStream bytes() throws IOException {
            if (fallback == null) {
                byte[] bytes = new byte[drained ? 0 : size];
                if (!drained) {
                    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
                    frame.writeTo(out);
                    out.checkNoSpaceLeft();
                }
                fallback = new ByteArrayInputStream(bytes);
            }
            return fallback;
        }
    }
}
