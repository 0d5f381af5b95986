package io.etch.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etch.api.etchpb.ForwardGrpc;
import io.etch.api.etchpb.RaftCommand;
import io.etch.api.etchpb.RaftCommandBatch;
import io.etch.api.etchpb.RaftResult;
import io.etch.api.etchpb.RaftResultBatch;
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

    private record Received(RaftCommand cmd, StreamObserver<RaftResultBatch> stream) {
        void answer() {
            synchronized (stream) {
                stream.onNext(RaftResultBatch.newBuilder().addResults(
                        RaftResult.newBuilder().setId(cmd.getId()).setRaftIndex(cmd.getId() + 100)).build());
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        leader = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ForwardGrpc.ForwardImplBase() {
                    @Override
                    public StreamObserver<RaftCommandBatch> proposeStream(StreamObserver<RaftResultBatch> response) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(RaftCommandBatch batch) {
                                batch.getCommandsList().forEach(cmd -> received.add(new Received(cmd, response)));
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

    /**
     * Many forwards in flight arrive at the leader in order, and each result reaches the forward that sent
     * its command when the leader answers all of them in one message, in reverse order.
     */
    @Test
    void forwardsShareMessagesAndResultsMatchByCommandId() throws Exception {
        int n = 2_000;
        java.util.List<CompletableFuture<RaftResult>> futures = new java.util.ArrayList<>();
        for (int i = 1; i <= n; i++) {
            futures.add(forward(i));
        }
        java.util.List<Received> all = new java.util.ArrayList<>();
        while (all.size() < n) {
            Received r = received.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            all.add(r);
        }
        assertThat(all).extracting(r -> r.cmd().getId()).isSorted();
        RaftResultBatch.Builder answer = RaftResultBatch.newBuilder();
        for (int i = all.size() - 1; i >= 0; i--) {
            long id = all.get(i).cmd().getId();
            answer.addResults(RaftResult.newBuilder().setId(id).setRaftIndex(id + 100));
        }
        StreamObserver<RaftResultBatch> stream = all.get(0).stream();
        synchronized (stream) {
            stream.onNext(answer.build());
        }
        for (int i = 0; i < n; i++) {
            assertThat(futures.get(i).get(10, TimeUnit.SECONDS).getRaftIndex()).isEqualTo(i + 1 + 100);
        }
    }
}
