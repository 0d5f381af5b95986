package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftResult;
import io.etch.raft.transport.PeerChannels;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The follower's end of write forwarding against a scripted leader. */
class ForwarderTest {
    /** Commands the fake leader received, with the stream to answer them on; answered only when the test says. */
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private Server leader;
    private PeerChannels channels;
    private Forwarder forwarder;

    private record Received(RaftCommand cmd, StreamObserver<RaftResult> stream) {
        void answer() {
            synchronized (stream) {
                stream.onNext(RaftResult.newBuilder().setId(cmd.getId()).setRaftIndex(cmd.getId() + 100).build());
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        leader = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ForwardGrpc.ForwardImplBase() {
                    @Override
                    public StreamObserver<RaftCommand> proposeStream(StreamObserver<RaftResult> response) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(RaftCommand cmd) {
                                received.add(new Received(cmd, response));
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                                response.onCompleted();
                            }
                        };
                    }
                })
                .build().start();
        channels = new PeerChannels();
        forwarder = new Forwarder(channels);
    }

    @AfterEach
    void stop() throws Exception {
        forwarder.close();
        channels.close();
        leader.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private CompletableFuture<RaftResult> forward(long id) {
        return forwarder.forward("127.0.0.1", leader.getPort(), RaftCommand.newBuilder().setId(id).build(), 10_000);
    }

    /**
     * The first forward usually runs inside a client's gRPC call. The proposal stream it opens must outlive
     * that call: before the fix it inherited the call's Context and was cancelled with it, failing every
     * proposal in flight on it as "request timed out, possibly due to connection lost".
     */
    @Test
    void streamOpenedInsideAClientCallOutlivesThatCall() throws Exception {
        Context.CancellableContext clientCall = Context.current().withCancellation();
        CompletableFuture<RaftResult> first = clientCall.call(() -> forward(1));
        Received r1 = received.poll(10, TimeUnit.SECONDS);
        assertThat(r1).isNotNull();
        CompletableFuture<RaftResult> second = forward(2);
        Received r2 = received.poll(10, TimeUnit.SECONDS);
        assertThat(r2).isNotNull();

        clientCall.cancel(null); // the client call that opened the stream completes

        r1.answer();
        r2.answer();
        assertThat(first.get(10, TimeUnit.SECONDS).getRaftIndex()).isEqualTo(101);
        assertThat(second.get(10, TimeUnit.SECONDS).getRaftIndex()).isEqualTo(102);
        CompletableFuture<RaftResult> third = forward(3);
        received.poll(10, TimeUnit.SECONDS).answer();
        assertThat(third.get(10, TimeUnit.SECONDS).getRaftIndex()).isEqualTo(103);
    }
}
