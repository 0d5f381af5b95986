package io.etch.cli.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etcdserverpb.KVGrpc;
import io.etch.api.etcdserverpb.RangeRequest;
import io.etch.api.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link WarmUp} against a KV service of its own on loopback that records every Range it gets. */
class WarmUpTest {
    private final ConcurrentLinkedQueue<RangeRequest> seen = new ConcurrentLinkedQueue<>();
    private Server server;
    private List<ManagedChannel> channels = List.of();

    private List<ManagedChannel> serve(Status answer) throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new KVGrpc.KVImplBase() {
                    @Override
                    public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
                        seen.add(request);
                        if (answer.isOk()) {
                            response.onNext(RangeResponse.getDefaultInstance());
                            response.onCompleted();
                        } else {
                            response.onError(answer.asRuntimeException());
                        }
                    }
                }).build().start();
        String endpoint = "127.0.0.1:" + server.getPort();
        channels = List.of(Connections.channel(endpoint, null), Connections.channel(endpoint, null));
        return channels;
    }

    @AfterEach
    void stop() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (server != null) {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void oneRequestPerConnectionThenTheGivenNumberAllSerializableOneKeyReads() throws Exception {
        WarmUp.run(serve(Status.OK), 300, 10_000);
        assertThat(seen).hasSize(2 + 300);
        assertThat(seen).allSatisfy(r -> {
            assertThat(r.getSerializable()).isTrue();
            assertThat(r.getKey().toByteArray()).containsExactly(0);
            assertThat(r.getRangeEnd().isEmpty()).isTrue();
            assertThat(r.getLimit()).isEqualTo(1);
            assertThat(r.getKeysOnly()).isTrue();
        });
    }

    @Test
    void theFirstErrorEndsTheWarmUp() throws Exception {
        WarmUp.run(serve(Status.PERMISSION_DENIED.withDescription("etcdserver: user name is empty")), 2000, 10_000);
        assertThat(seen).hasSize(2); // the one per connection; none of the 2,000
    }
}
