package io.etch.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.alipay.sofa.jraft.rpc.RpcRequests.AppendEntriesRequest;
import com.google.protobuf.ByteString;
import io.etch.api.etchpb.PeerFrame;
import io.grpc.Drainable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The frame codec writes and reads exactly {@code etchpb.PeerFrame}'s wire format. */
class ExchangeFrameTest {

    static {
        System.setProperty("com.google.protobuf.use_unsafe_pre22_gencode", "true");
    }

    private static final AppendEntriesRequest APPEND = AppendEntriesRequest.newBuilder()
        .setGroupId("g").setServerId("127.0.0.1:1").setPeerId("127.0.0.1:2")
        .setTerm(3).setPrevLogTerm(2).setPrevLogIndex(41).setCommittedIndex(40)
        .setData(ByteString.copyFrom(new byte[100_000]))
        .build();

    private static byte[] drained(ExchangeFrame frame) throws Exception {
        InputStream in = ExchangeFrame.EXCHANGE.streamRequest(frame);
        int size = in.available();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(((Drainable) in).drainTo(out)).isEqualTo(size);
        assertThat(out.size()).isEqualTo(size);
        assertThat(in.available()).isZero();
        return out.toByteArray();
    }

    @Test
    void aRequestFrameIsAPeerFrameWithTheSerializedRequest() throws Exception {
        byte[] wire = drained(ExchangeFrame.request(7, APPEND));
        PeerFrame parsed = PeerFrame.parseFrom(wire);
        assertThat(parsed.getCallId()).isEqualTo(7);
        assertThat(parsed.getType()).isEqualTo("jraft.AppendEntriesRequest");
        assertThat(parsed.getPayload()).isEqualTo(APPEND.toByteString());
        assertThat(parsed.getError()).isEmpty();
        assertThat(wire).isEqualTo(parsed.toByteArray()); // the canonical encoding, field by field

        // gRPC may also read the stream instead of draining it
        assertThat(ExchangeFrame.EXCHANGE.streamResponse(ExchangeFrame.request(7, APPEND)).readAllBytes())
            .isEqualTo(wire);
    }

    @Test
    void responseAndErrorFramesRoundTrip() throws Exception {
        ExchangeFrame response = ExchangeFrame.EXCHANGE.parseResponse(
            new ByteArrayInputStream(drained(ExchangeFrame.response(9, APPEND))));
        assertThat(response.callId()).isEqualTo(9);
        assertThat(response.type()).isEmpty();
        assertThat(response.error()).isEmpty();
        assertThat(MessageTypes.parseRequest(AppendEntriesRequest.getDefaultInstance(), response.payload()))
            .isEqualTo(APPEND);

        ExchangeFrame error = ExchangeFrame.EXCHANGE.parseResponse(
            new ByteArrayInputStream(drained(ExchangeFrame.error(10, "no processor"))));
        assertThat(error.callId()).isEqualTo(10);
        assertThat(error.error()).isEqualTo("no processor");
        assertThat(error.payload()).isEqualTo(ByteString.EMPTY);
    }

    @Test
    void readsFramesWrittenByTheGeneratedCode() {
        PeerFrame written = PeerFrame.newBuilder().setCallId(1L << 40).setType("jraft.PingRequest")
            .setPayload(ByteString.copyFromUtf8("x")).build();
        ExchangeFrame read = ExchangeFrame.EXCHANGE.parseRequest(new ByteArrayInputStream(written.toByteArray()));
        assertThat(read.callId()).isEqualTo(1L << 40);
        assertThat(read.type()).isEqualTo("jraft.PingRequest");
        assertThat(read.payload().toStringUtf8()).isEqualTo("x");
    }
}
